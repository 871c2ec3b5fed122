// Pytrees: nested JS arrays (lists), plain objects (dicts, keys sorted), null/undefined (empty
// subtrees) and registered classes. Anything else is a leaf.

import { ValueError } from "./errors.js";

type NodeKind = "leaf" | "null" | "undefined" | "list" | "dict" | "custom";

interface CustomNode {
  flatten(x: any): [children: any[], auxData: unknown];
  unflatten(auxData: unknown, children: any[]): any;
}

const registry = new Map<Function, CustomNode>();

/**
 * Registers a class as a pytree node.
 * @example
 * class Point { constructor(public x: any, public y: any) {} }
 * tree.registerPytreeNode(Point, (p) => [[p.x, p.y], null], (_, [x, y]) => new Point(x, y));
 */
export function registerPytreeNode<T>(
  cls: abstract new (...args: any[]) => T,
  flatten: (x: T) => [any[], unknown],
  unflatten: (auxData: any, children: any[]) => T,
): void {
  registry.set(cls, { flatten, unflatten });
}

/**
 * The structure of a pytree, without its leaves.
 * @example const [leaves, treedef] = jax.tree.flatten({a: 1, b: [2, 3]});   // [1, 2, 3], PyTreeDef({'a': *, 'b': [*, *]})
 */
export class TreeDef {
  readonly numLeaves: number;
  constructor(
    readonly kind: NodeKind,
    readonly children: TreeDef[] = [],
    readonly keys: string[] = [],
    readonly cls: Function | null = null,
    readonly auxData: unknown = null,
  ) {
    this.numLeaves = kind === "leaf" ? 1 : children.reduce((n, c) => n + c.numLeaves, 0);
  }

  /** Nodes in the structure, leaves included. @example jax.tree.structure([1, [2, 3]]).numNodes   // 5 */
  get numNodes(): number {
    return 1 + this.children.reduce((n, c) => n + c.numNodes, 0);
  }

  /** Same structure. @example jax.tree.structure([1, 2]).equals(jax.tree.structure([3, 4]))   // true */
  equals(other: TreeDef): boolean {
    if (this === other) return true;
    if (this.kind !== other.kind || this.children.length !== other.children.length) return false;
    if (this.cls !== other.cls || !auxEqual(this.auxData, other.auxData)) return false;
    if (this.keys.length !== other.keys.length || this.keys.some((k, i) => k !== other.keys[i])) return false;
    return this.children.every((c, i) => c.equals(other.children[i]));
  }

  /** As JAX prints it. @example String(jax.tree.structure({a: 1}))   // "PyTreeDef({'a': *})" */
  toString(): string {
    return `PyTreeDef(${this.repr()})`;
  }

  private repr(): string {
    switch (this.kind) {
      case "leaf": return "*";
      case "null": return "None";
      case "undefined": return "undefined";
      case "list": return `[${this.children.map((c) => c.repr()).join(", ")}]`;
      case "dict": return `{${this.keys.map((k, i) => `'${k}': ${this.children[i].repr()}`).join(", ")}}`;
      case "custom":
        return `CustomNode(${this.cls!.name}[${JSON.stringify(this.auxData) ?? ""}], [${this.children.map((c) => c.repr()).join(", ")}])`;
    }
  }
}

function auxEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  try {
    return JSON.stringify(a) === JSON.stringify(b);
  } catch {
    return false;
  }
}

const LEAF = new TreeDef("leaf");

export function isPlainObject(x: unknown): x is Record<string, unknown> {
  if (x === null || typeof x !== "object") return false;
  const proto = Object.getPrototypeOf(x);
  return proto === Object.prototype || proto === null;
}

/** Flattens a pytree into its leaves and structure. `isLeaf` stops the descent early. */
export function flatten(x: any, isLeaf?: (x: any) => boolean): [any[], TreeDef] {
  let leaves: any[] = [];
  let def: TreeDef;
  try {
    def = flattenInto(x, leaves, isLeaf, 0, CYCLE_CHECK_DEPTH);
  } catch (e) {
    if (e !== TOO_DEEP) throw e;
    // A tree this deep may be a cycle, which must be a clear error rather than a stack overflow.
    checkAcyclic(x, isLeaf);
    leaves = [];
    def = flattenInto(x, leaves, isLeaf, 0, Infinity);
  }
  return [leaves, def];
}

// Containers deeper than this make flatten look for a cycle first (shallow trees pay nothing).
const CYCLE_CHECK_DEPTH = 64;
const TOO_DEEP = Symbol("too deep");

/** The children of a container (null for a leaf). */
function childrenOf(x: any, isLeaf?: (x: any) => boolean): [string | number, any][] | null {
  if (isLeaf?.(x) || x === null || x === undefined) return null;
  if (Array.isArray(x)) return x.map((c, i) => [i, c]);
  if (isPlainObject(x)) return Object.keys(x).sort().map((k) => [k, x[k]]);
  const custom = typeof x === "object" ? registry.get(x.constructor) : undefined;
  return custom ? custom.flatten(x)[0].map((c, i) => [i, c]) : null;
}

/** Throws a ValueError naming the path where the tree first contains one of its own ancestors. */
function checkAcyclic(root: any, isLeaf?: (x: any) => boolean): void {
  const ancestors = new Set<object>();
  const path: (string | number)[] = [];
  const visit = (x: any): void => {
    const children = childrenOf(x, isLeaf);
    if (!children) return;
    if (ancestors.has(x)) {
      const where = path.map((k) => (typeof k === "number" ? `[${k}]` : `.${k}`)).join("");
      throw new ValueError(`A pytree must not contain itself: the container at tree${where} is one of its own ancestors (a cycle). ` +
        "Pass a tree (no object may contain itself, directly or further down), e.g. drop the back reference.");
    }
    ancestors.add(x);
    for (const [k, c] of children) {
      path.push(k);
      visit(c);
      path.pop();
    }
    ancestors.delete(x);
  };
  visit(root);
}

function flattenInto(x: any, leaves: any[], isLeaf: ((x: any) => boolean) | undefined, depth: number, limit: number): TreeDef {
  if (isLeaf?.(x)) {
    leaves.push(x);
    return LEAF;
  }
  if (x === null) return new TreeDef("null");
  if (x === undefined) return new TreeDef("undefined");
  if (Array.isArray(x)) {
    if (depth >= limit) throw TOO_DEEP;
    return new TreeDef("list", x.map((c) => flattenInto(c, leaves, isLeaf, depth + 1, limit)));
  }
  if (isPlainObject(x)) {
    if (depth >= limit) throw TOO_DEEP;
    const keys = Object.keys(x).sort();
    return new TreeDef("dict", keys.map((k) => flattenInto(x[k], leaves, isLeaf, depth + 1, limit)), keys);
  }
  const custom = typeof x === "object" ? registry.get(x.constructor) : undefined;
  if (custom) {
    if (depth >= limit) throw TOO_DEEP;
    const [children, aux] = custom.flatten(x);
    return new TreeDef("custom", children.map((c) => flattenInto(c, leaves, isLeaf, depth + 1, limit)), [], x.constructor, aux);
  }
  leaves.push(x);
  return LEAF;
}

/** Rebuilds a pytree of the given structure from leaves. */
export function unflatten(def: TreeDef, leaves: Iterable<any>): any {
  const it = leaves[Symbol.iterator]();
  const out = build(def, it);
  if (!it.next().done) throw new ValueError(`Too many leaves for tree structure ${def}.`);
  return out;
}

function build(def: TreeDef, it: Iterator<any>): any {
  switch (def.kind) {
    case "leaf": {
      const r = it.next();
      if (r.done) throw new ValueError(`Too few leaves for tree structure.`);
      return r.value;
    }
    case "null": return null;
    case "undefined": return undefined;
    case "list": return def.children.map((c) => build(c, it));
    case "dict": {
      const o: Record<string, any> = {};
      def.keys.forEach((k, i) => (o[k] = build(def.children[i], it)));
      return o;
    }
    case "custom": return registry.get(def.cls!)!.unflatten(def.auxData, def.children.map((c) => build(c, it)));
  }
}

export const leaves = (x: any, isLeaf?: (x: any) => boolean): any[] => flatten(x, isLeaf)[0];
export const structure = (x: any, isLeaf?: (x: any) => boolean): TreeDef => flatten(x, isLeaf)[1];

/**
 * Maps `f` over the leaves of one or more pytrees of the same structure.
 * @example tree.map((a, b) => a + b, {x: 1, y: [2]}, {x: 10, y: [20]})  // {x: 11, y: [22]}
 */
export function map(f: (...leaves: any[]) => any, x: any, ...rest: any[]): any {
  const [xs, def] = flatten(x);
  const others = rest.map((r, i) => {
    const [ls, d] = flatten(r);
    if (!d.equals(def)) {
      throw new ValueError(`tree.map: tree ${i + 1} has structure ${d}, which does not match the first tree's ${def}.`);
    }
    return ls;
  });
  return unflatten(def, xs.map((l, i) => f(l, ...others.map((o) => o[i]))));
}

/**
 * Broadcasts a pytree prefix (e.g. `inAxes`) to the leaves of a full tree: each prefix leaf
 * applies to the whole subtree below it. Returns one value per leaf of `full`.
 */
export function broadcastPrefix(prefix: any, full: any, what = "prefix", isLeaf?: (x: any) => boolean, isPrefixLeaf: (x: any) => boolean = isLeafForPrefix): any[] {
  const out: any[] = [];
  walkPrefix(prefix, structure(full, isLeaf), out, what, "", isPrefixLeaf);
  return out;
}

function walkPrefix(prefix: any, def: TreeDef, out: any[], what: string, path: string, isPrefixLeaf: (x: any) => boolean): void {
  const [, pdef] = flatten(prefix, isPrefixLeaf);
  if (pdef.kind === "leaf" || prefix === null || prefix === undefined) {
    for (let i = 0; i < def.numLeaves; i++) out.push(prefix);
    return;
  }
  const mismatch = () =>
    new ValueError(`${what} tree structure ${pdef} at ${path || "the root"} is not a prefix of the argument structure ${def}.`);
  if (def.kind !== pdef.kind || def.children.length !== pdef.children.length) throw mismatch();
  if (def.kind === "dict" && def.keys.some((k, i) => k !== pdef.keys[i])) throw mismatch();
  const children: any[] =
    def.kind === "list" ? prefix : def.kind === "dict" ? def.keys.map((k) => prefix[k]) : registry.get(def.cls!)!.flatten(prefix)[0];
  def.children.forEach((c, i) => walkPrefix(children[i], c, out, what, `${path}[${i}]`, isPrefixLeaf));
}

// A prefix leaf is anything that is not a container (numbers, null stand for whole subtrees).
const isLeafForPrefix = (x: any) => x === null || x === undefined || typeof x !== "object";
