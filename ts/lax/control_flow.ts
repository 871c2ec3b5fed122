// jax.lax control flow: cond, switch, whileLoop, foriLoop, scan and map. Each traces its
// function arguments to jaxprs (pytrees in and out) and binds one primitive of
// ts/primitives/control_flow.ts; argument checks and their messages follow JAX's.

import { Array, ArrayLike } from "../core/array.js";
import { ShapedArray } from "../core/aval.js";
import { DType, isInteger, promoteTypes } from "../core/dtype.js";
import { ValueError, shapeStr } from "../core/errors.js";
import { ClosedJaxpr } from "../core/jaxpr.js";
import { declareAs } from "../core/signature.js";
import { convertConstvars, traceToJaxpr } from "../core/staging.js";
import { bind, bind1, scalar } from "../core/trace.js";
import * as tree from "../core/tree.js";
import type { LeafLike, Lifted, LiftedArgs } from "../core/tree_types.js";
import { toArray } from "../numpy/convert.js";
import { cond as condP, joinConsts, scanP, whileP } from "../primitives/control_flow.js";
import { concatenate, slice as sliceP } from "../primitives/indexing.js";
import { clamp, convertElementType, reshape } from "../primitives/layout.js";
import { add, lt, ne } from "../primitives/math.js";
import { leafAval, paramNames } from "../transforms/jit.js";
import { vmap } from "../transforms/vmap.js";

// ---- tracing pytree functions ----

interface Traced {
  jaxpr: ClosedJaxpr;
  consts: Array[];
  outTree: tree.TreeDef;
  outAvals: ShapedArray[];
}

/** A leaf of a user pytree as an operand: Arrays as they are, JS numbers/booleans as weak scalars. */
function operand(x: unknown): Array {
  leafAval(x);
  return x instanceof Array ? x : scalar(x as number | boolean);
}

/** Traces `f` (taking the flat leaves) to a constant-free jaxpr; closed-over values become consts. */
function traceLeaves(f: (leaves: Array[]) => unknown, avals: ShapedArray[]): Traced {
  let outTree: tree.TreeDef | undefined;
  const { jaxpr, consts } = traceToJaxpr((...xs) => {
    const [outs, t] = tree.flatten(f(xs));
    outTree = t;
    return outs.map((o) => operand(o));
  }, avals);
  return { jaxpr: new ClosedJaxpr(convertConstvars(jaxpr), []), consts, outTree: outTree!, outAvals: jaxpr.outAvals };
}

const longStr = (a: ShapedArray) => `${a.dtype}[${a.shape.join(",")}]`;
const typematch = (a: ShapedArray, b: ShapedArray) => a.sameType(b);

function mismatchExtra(a: ShapedArray, b: ShapedArray): string {
  const m: string[] = [];
  if (a.dtype !== b.dtype) m.push("the dtypes do not match");
  if (a.shape.length !== b.shape.length || a.shape.some((n, i) => n !== b.shape[i])) m.push("the shapes do not match");
  if (!m.length) return "";
  return ", so " + (m.length === 1 ? m[0] : `${m.slice(0, -1).join(", ")}, and ${m[m.length - 1]}`);
}

const capitalize = (s: string) => s[0].toUpperCase() + s.slice(1);

/** JAX's layout of a carry's differences: one sentence, or a bulleted list. */
function differences(diffs: string[]): string {
  if (diffs.length === 1) return `${capitalize(diffs[0])}.\n`;
  return diffs.slice(0, -1).map((d) => `  * ${d};\n`).join("\n") + `  * ${diffs[diffs.length - 1]}.\n`;
}

/** Key paths of a tree's leaves, as JAX's keystr writes them (`[0]`, `['w']`). */
function leafPaths(def: tree.TreeDef, prefix = ""): string[] {
  switch (def.kind) {
    case "leaf": return [prefix];
    case "dict": return def.children.flatMap((c, i) => leafPaths(c, `${prefix}['${def.keys[i]}']`));
    case "list":
    case "custom": return def.children.flatMap((c, i) => leafPaths(c, `${prefix}[${i}]`));
    default: return [];
  }
}

function describe(def: tree.TreeDef): string {
  switch (def.kind) {
    case "leaf": return "pytree leaf";
    case "list": return `list of length ${def.children.length}`;
    case "dict": return `dict with keys [${def.keys.map((k) => `'${k}'`).join(", ")}]`;
    case "null": return "null";
    case "undefined": return "undefined";
    case "custom": return (def.cls as Function).name;
  }
}

/** Where two tree structures differ: [path, thing1, thing2, explanation]. */
function structureDiffs(a: tree.TreeDef, b: tree.TreeDef, path = ""): [string, string, string, string][] {
  if (a.kind !== b.kind || (a.kind === "custom" && a.cls !== b.cls)) return [[path, describe(a), describe(b), "their types differ"]];
  if (a.kind === "list" && a.children.length !== b.children.length) return [[path, describe(a), describe(b), "the lengths do not match"]];
  if (a.kind === "dict" && (a.keys.length !== b.keys.length || a.keys.some((k, i) => k !== b.keys[i]))) {
    return [[path, describe(a), describe(b), "the keys do not match"]];
  }
  if (a.kind === "custom" && !a.equals(b) && a.children.length !== b.children.length) return [[path, describe(a), describe(b), "their auxiliary data differ"]];
  return a.children.flatMap((c, i) => structureDiffs(c, b.children[i], path + (a.kind === "dict" ? `['${a.keys[i]}']` : `[${i}]`)));
}

/** The name of a function's first parameter, when it is a plain identifier. */
function firstParam(fn: Function): string | null {
  const p = paramNames(fn)[0];
  return p && /^[A-Za-z_$][\w$]*$/.test(p) ? p : null;
}

/** JAX's `_check_carry_type`: the carry output must have the carry input's structure and types. */
function checkCarryType(name: string, bodyFun: Function, inTree: tree.TreeDef, inAvals: ShapedArray[], outTree: tree.TreeDef, outAvals: ShapedArray[]): void {
  const carryName = firstParam(bodyFun);
  const component = (p: string) =>
    carryName ? (p ? `the input carry component ${carryName}${p}` : `the input carry ${carryName}`) : p ? `the input carry at path ${p}` : "the input carry";
  if (!inTree.equals(outTree)) {
    const diffs = structureDiffs(inTree, outTree).map(
      ([p, t1, t2, why]) => `${component(p)} is a ${t1} but the corresponding component of the carry output is a ${t2}, so ${why}`,
    );
    const body = diffs.length ? differences(diffs) : `the input tree structure is:\n${inTree}\nthe output tree structure is:\n${outTree}\n`;
    throw new TypeError(
      `${name} function carry input and carry output must have the same pytree structure, but they differ:\n\n${body}\n` +
        "Revise the function so that the carry output has the same pytree structure as the carry input.",
    );
  }
  const paths = leafPaths(inTree);
  const diffs = inAvals.flatMap((a, i) =>
    typematch(a, outAvals[i])
      ? []
      : [`${component(paths[i])} has type ${longStr(a)} but the corresponding output carry component has type ${longStr(outAvals[i])}${mismatchExtra(a, outAvals[i])}`],
  );
  if (diffs.length) {
    throw new TypeError(
      `${name} function carry input and carry output must have equal types, but they differ:\n\n${differences(diffs)}\n` +
        "Revise the function so that all output types match the corresponding input types.",
    );
  }
}

/** JAX's `_check_branch_outputs`: branches must agree on output structure and types. */
function checkBranchOutputs(api: string, name1: string, name2: string, f1: Function, f2: Function, t1: Traced, t2: Traced): void {
  const info = `${name1} is ${f1.name || "<lambda>"}\n${name2} is ${f2.name || "<lambda>"}\n\n`;
  const component = (p: string) => (p ? ` at path ${p}` : "");
  if (!t1.outTree.equals(t2.outTree)) {
    const diffs = structureDiffs(t1.outTree, t2.outTree).map(([p, a, b, why]) => `${name1} output${component(p)} is a ${a} but ${name2} output${component(p)} is a ${b}, so ${why}`);
    const body = diffs.length === 1 ? `${diffs[0]}.\n` : diffs.slice(0, -1).map((d) => `  * ${d};\n`).join("\n") + `  * ${diffs[diffs.length - 1]}.\n`;
    throw new TypeError(
      `${api} branch outputs must have the same pytree structure, but they differ:\n\n${info}${body}\n` +
        `Revise ${name1} and/or ${name2} so that they have the same pytree structure.`,
    );
  }
  const paths = leafPaths(t1.outTree);
  const diffs = t1.outAvals.flatMap((a, i) => {
    const b = t2.outAvals[i];
    return typematch(a, b) ? [] : [`the output of ${name1}${component(paths[i])} has type ${longStr(a)} but the corresponding output of ${name2} has type ${longStr(b)}${mismatchExtra(a, b)}`];
  });
  if (diffs.length) {
    const body = diffs.length === 1 ? `${capitalize(diffs[0])}.\n` : diffs.slice(0, -1).map((d) => `  * ${d};`).join("\n") + `\n  * ${diffs[diffs.length - 1]}.\n`;
    throw new TypeError(`${api} branches must have equal output types but they differ.\n\n${info}${body}\nRevise ${name1} and/or ${name2} so that all output types match.`);
  }
}

/** Weakly typed initial carries that the body changes to another dtype are promoted to it (JAX's `_promote_weak_typed_input`). */
function promoteWeak(vals: Array[], outAvals: ShapedArray[]): { vals: Array[]; changed: boolean } {
  let changed = false;
  const out = vals.map((v, i) => {
    const o = outAvals[i];
    if (!o || !v.weakType || typematch(v.aval, o)) return v;
    changed = true;
    const d = promoteTypes({ dtype: v.dtype, weakType: true }, { dtype: o.dtype, weakType: o.weakType }).dtype;
    return bind1(convertElementType, [v], { new_dtype: d, weak_type: false });
  });
  return { vals: out, changed };
}

const isCallable = (f: unknown): f is (...args: any[]) => any => typeof f === "function";
const i32 = (n: number) => scalar(n, "int32", false);
const toInt32 = (x: Array) => (x.dtype === "int32" && !x.weakType ? x : bind1(convertElementType, [x], { new_dtype: "int32", weak_type: false }));

// ---- cond / switch ----

function traceBranches(branches: Function[], operands: unknown[]): { traced: Traced[]; vals: Array[] } {
  const [leaves, inTree] = tree.flatten(operands);
  const vals = leaves.map(operand);
  const avals = vals.map((v) => v.aval);
  const traced = branches.map((b) => traceLeaves((xs) => b(...tree.unflatten(inTree, xs)), avals));
  return { traced, vals };
}

function bindCond(index: Array, traced: Traced[], vals: Array[]): unknown {
  const { branches, consts } = joinConsts(traced);
  const outs = bind(condP, [index, ...consts, ...vals], { branches });
  return tree.unflatten(traced[0].outTree, outs);
}

function condImpl(pred: unknown, trueFun: (...args: any[]) => any, falseFun: (...args: any[]) => any, ...operands: any[]): any {
  if (!isCallable(trueFun) || !isCallable(falseFun)) throw new TypeError("lax.cond: true_fun and false_fun arguments should be callable.");
  if (pred === null || pred === undefined) throw new TypeError("cond predicate is None");
  if (globalThis.Array.isArray(pred)) throw new TypeError(`Pred must be a scalar, got ${JSON.stringify(pred)} of type Array`);
  const p = toArray(pred as any);
  if (p.ndim !== 0) throw new TypeError(`Pred must be a scalar, got ${String(p)} of shape ${shapeStr(p.shape)}.`);
  let b = p;
  if (p.dtype !== "bool") {
    if (p.dtype === "complex64") throw new TypeError(`Pred type must be either boolean or number, got ${p.dtype}.`);
    b = bind1(ne, [p, scalar(0, p.dtype, p.weakType)]);
  }
  const index = bind1(convertElementType, [b], { new_dtype: "int32", weak_type: false });
  const { traced, vals } = traceBranches([falseFun, trueFun], operands);
  checkBranchOutputs("cond", "true_fun", "false_fun", trueFun, falseFun, traced[1], traced[0]);
  return bindCond(index, traced, vals);
}

function switchImpl(index: unknown, branches: ((...args: any[]) => any)[], ...operands: any[]): any {
  if (!globalThis.Array.isArray(branches) || !branches.every(isCallable)) throw new TypeError("lax.switch: branches argument should be a sequence of callables.");
  const idx = toArray(index as any);
  if (idx.ndim !== 0) throw new TypeError(`Branch index must be scalar, got ${String(index)} of shape ${shapeStr(idx.shape)}.`);
  if (!isInteger(idx.dtype)) throw new TypeError(`Index type must be an integer, got ${String(index)} as ${idx.dtype}`);
  if (!branches.length) throw new ValueError("Empty branch sequence");
  if (branches.length === 1) return branches[0](...operands);
  const clamped = bind1(clamp, [i32(0), toInt32(idx), i32(branches.length - 1)]);
  const { traced, vals } = traceBranches(branches, operands);
  traced.slice(1).forEach((t, i) => checkBranchOutputs("switch", "branch 0", `branch${i + 1}`, branches[0], branches[i + 1], traced[0], t));
  return bindCond(clamped, traced, vals);
}

// ---- while / fori ----

function whileLoopImpl(condFun: (carry: any) => any, bodyFun: (carry: any) => any, initVal: any): any {
  if (!isCallable(bodyFun) || !isCallable(condFun)) throw new TypeError("lax.while_loop: body_fun and cond_fun arguments should be callable.");
  const [leaves, inTree] = tree.flatten(initVal);
  let vals = leaves.map(operand);
  const create = (avals: ShapedArray[]) => {
    const c = traceLeaves((xs) => condFun(tree.unflatten(inTree, xs)), avals);
    const b = traceLeaves((xs) => bodyFun(tree.unflatten(inTree, xs)), avals);
    if (c.outTree.kind !== "leaf") throw new TypeError(`cond_fun must return a boolean scalar, but got pytree ${c.outTree}.`);
    const pa = c.outAvals[0];
    if (pa.dtype !== "bool" || pa.ndim !== 0) throw new TypeError(`cond_fun must return a boolean scalar, but got output type(s) [${c.outAvals.map(String).join(", ")}].`);
    return { c, b };
  };
  let { c, b } = create(vals.map((v) => v.aval));
  if (b.outAvals.length !== vals.length) checkCarryType("while_loop body", bodyFun, inTree, vals.map((v) => v.aval), b.outTree, b.outAvals);
  const promoted = promoteWeak(vals, b.outAvals);
  if (promoted.changed) {
    vals = promoted.vals;
    ({ c, b } = create(vals.map((v) => v.aval)));
  }
  checkCarryType("while_loop body", bodyFun, inTree, vals.map((v) => v.aval), b.outTree, b.outAvals);
  const outs = bind(whileP, [...c.consts, ...b.consts, ...vals], {
    cond_jaxpr: c.jaxpr,
    body_jaxpr: b.jaxpr,
    cond_nconsts: c.consts.length,
    body_nconsts: b.consts.length,
  });
  return tree.unflatten(inTree, outs);
}

function foriLoopImpl(lower: unknown, upper: unknown, bodyFun: (i: Array, val: any) => any, initVal: any, opts: { unroll?: number | boolean }): any {
  if (!isCallable(bodyFun)) throw new TypeError("lax.fori_loop: body_fun argument should be callable.");
  const lo = toArray(lower as any), hi = toArray(upper as any);
  let dtype: DType | null = lo.dtype === hi.dtype ? lo.dtype : null;
  if (dtype === null && isInteger(lo.dtype) && isInteger(hi.dtype)) {
    if (lo.weakType && !hi.weakType) dtype = hi.dtype;
    else if (!lo.weakType && hi.weakType) dtype = lo.dtype;
  }
  if (dtype === null) throw new TypeError(`lower and upper arguments to fori_loop must have equal types, got ${lo.dtype} and ${hi.dtype}`);
  // Known bounds make a scan. A bound on WebGPU is known only asynchronously: a while loop then.
  const known = (raw: unknown, a: Array): number | null => {
    if (typeof raw === "number") return raw;
    const c = a.toConcrete();
    if (!c) return null;
    if (c.scalarValue !== undefined) return c.scalarValue;
    return c.backend.syncReads ? Number(c.item()) : null;
  };
  const [loV, hiV] = [known(lower, lo), known(upper, hi)];
  if (loV !== null && hiV !== null) {
    const l = Math.trunc(loV), u = Math.trunc(hiV);
    const length = Math.max(u - l, 0);
    const [[, result]] = scanImpl(
      ([i, x]: [Array, any]) => [[bind1(add, [i, scalar(1, i.dtype, true)]), bodyFun(i, x)], null],
      [scalar(l, "int32", true), initVal],
      null,
      { length, unroll: opts.unroll ?? false },
    );
    return result;
  }
  if (opts.unroll !== undefined && opts.unroll !== false && opts.unroll !== 1) {
    throw new ValueError("Can only use `unroll` in `fori_loop` if the loop bounds are statically known.");
  }
  const conv = (x: Array) => (x.dtype === dtype ? x : bind1(convertElementType, [x], { new_dtype: dtype, weak_type: false }));
  const [, , result] = whileLoopImpl(
    ([i, u]: [Array, Array]) => bind1(lt, [i, u]),
    ([i, u, x]: [Array, Array, any]) => [bind1(add, [i, scalar(1, i.dtype, true)]), u, bodyFun(i, x)],
    [conv(lo), conv(hi), initVal],
  );
  return result;
}

// ---- scan / map ----

export interface ScanOptions {
  /** The number of iterations; required when `xs` is null, else must equal the leading axis. */
  length?: number;
  /** Scan from the end of `xs` (ys are still stored in input order). */
  reverse?: boolean;
  /** Iterations per rolled loop step for the compiler (true: all, false: 1). */
  unroll?: number | boolean;
}

function scanLength(xs: unknown[], length: number | undefined): number {
  const arrays = xs.map((x) => {
    if (!(x instanceof Array) || x.ndim === 0) throw new ValueError(`scan got value with no leading axis to scan over: ${String(x)}.`);
    return x;
  });
  const lengths = arrays.map((x) => x.shape[0]);
  if (length !== undefined && length !== null) {
    if (!Number.isInteger(length)) throw new TypeError("The `length` argument to `scan` expects a concrete `int` value. For scan-like iteration with a dynamic length, use `while_loop` or `fori_loop`.");
    if (lengths.some((l) => l !== length)) throw new ValueError(`scan got \`length\` argument of ${length} which disagrees with leading axis sizes [${lengths.join(", ")}].`);
    return length;
  }
  const unique = [...new Set(lengths)];
  if (unique.length > 1) throw new ValueError(`scan got values with different leading axis sizes: ${lengths.join(", ")}.`);
  if (!unique.length) throw new ValueError("scan got no values to scan over and `length` not provided.");
  return unique[0];
}

export function scanImpl(f: (carry: any, x: any) => any, init: any, xs: any, opts: ScanOptions = {}): [any, any] {
  if (!isCallable(f)) throw new TypeError("lax.scan: f argument should be a callable.");
  const [initLeaves, initTree] = tree.flatten(init);
  const [xsLeaves, xsTree] = tree.flatten(xs);
  const length = scanLength(xsLeaves, opts.length);
  let vals = initLeaves.map(operand);
  const xsVals = xsLeaves as Array[];
  const xAvals = xsVals.map((x) => x.aval.withShape(x.shape.slice(1)));
  const nK = vals.length;
  const create = (carryAvals: ShapedArray[]) => {
    const t = traceLeaves((ls) => f(tree.unflatten(initTree, ls.slice(0, nK)), tree.unflatten(xsTree, ls.slice(nK))), [...carryAvals, ...xAvals]);
    if (t.outTree.kind !== "list" || t.outTree.children.length !== 2) {
      throw new TypeError(`scan body output must be a pair, got ${t.outTree}.`);
    }
    const carryTree = t.outTree.children[0];
    return { t, carryTree, ysTree: t.outTree.children[1], carryOut: t.outAvals.slice(0, carryTree.numLeaves) };
  };
  let body = create(vals.map((v) => v.aval));
  if (body.carryOut.length !== nK) checkCarryType("scan body", f, initTree, vals.map((v) => v.aval), body.carryTree, body.carryOut);
  const promoted = promoteWeak(vals, body.carryOut);
  if (promoted.changed) {
    vals = promoted.vals;
    body = create(vals.map((v) => v.aval));
  }
  checkCarryType("scan body", f, initTree, vals.map((v) => v.aval), body.carryTree, body.carryOut);
  let unroll = opts.unroll ?? 1;
  if (typeof unroll === "boolean") unroll = unroll ? Math.max(length, 1) : 1;
  if (!Number.isInteger(unroll) || unroll < 0) throw new ValueError("`unroll` must be a `bool` or a non-negative `int`.");
  const { t } = body;
  const outs = bind(scanP, [...t.consts, ...vals, ...xsVals], {
    jaxpr: t.jaxpr,
    length,
    reverse: !!opts.reverse,
    unroll,
    num_consts: t.consts.length,
    num_carry: nK,
  });
  return [tree.unflatten(initTree, outs.slice(0, nK)), tree.unflatten(body.ysTree, outs.slice(nK))];
}

const sliceRows = (x: Array, lo: number, hi: number) =>
  bind1(sliceP, [x], { start_indices: x.shape.map((_, i) => (i === 0 ? lo : 0)), limit_indices: x.shape.map((n, i) => (i === 0 ? hi : n)), strides: null });
const reshapeTo = (x: Array, shape: number[]) => bind1(reshape, [x], { new_sizes: shape, dimensions: null, sharding: null });

function mapImpl(f: (x: any) => any, xs: any, opts: { batchSize?: number | null }): any {
  const { batchSize } = opts;
  if (batchSize === undefined || batchSize === null) return scanImpl((_, x) => [null, f(x)], null, xs)[1];
  const leaves = tree.leaves(xs) as Array[];
  if (!leaves.length) return scanImpl((_, x) => [null, f(x)], null, xs)[1];
  const n = leaves[0].shape[0];
  const numBatches = batchSize === 0 ? 0 : Math.floor(n / batchSize);
  const used = numBatches * batchSize;
  const mapped = vmap(f);
  if (numBatches === 0) return mapped(xs);
  const scanXs = tree.map((l: Array) => reshapeTo(sliceRows(l, 0, used), [numBatches, batchSize, ...l.shape.slice(1)]), xs);
  const [, scanYs] = scanImpl((_, x) => [null, mapped(x)], null, scanXs);
  const flat = (y: Array) => reshapeTo(y, [y.shape[0] * y.shape[1], ...y.shape.slice(2)]);
  if (used === n) return tree.map(flat, scanYs);
  const remYs = mapped(tree.map((l: Array) => sliceRows(l, used, n), xs));
  return tree.map((a: Array, b: Array) => bind1(concatenate, [flat(a), b], { dimension: 0 }), scanYs, remYs);
}

// ---- the public, checked and typed entry points ----

/**
 * `trueFun(...operands)` if `pred` else `falseFun(...operands)`; both branches are traced and
 * must return the same types. Under vmap with a batched `pred` it becomes a select.
 * @example lax.cond(x.gt(0), (x) => np.sin(x), (x) => x.mul(2), x)
 */
export const cond: <Ops extends unknown[], R>(
  pred: ArrayLike,
  trueFun: (...operands: LiftedArgs<Ops>) => R,
  falseFun: (...operands: LiftedArgs<Ops>) => NoInfer<LeafLike<R>>,
  ...operands: Ops
) => Lifted<R> = declareAs("lax.cond", "pred, trueFun, falseFun, ...operands:data", "", condImpl);

/**
 * `branches[clamp(index)](...operands)` (`lax.switch`).
 * @example lax.switch(i, [(x) => x, (x) => np.sin(x), (x) => x.mul(x)], x)
 */
export const switch_: <Ops extends unknown[], R>(
  index: ArrayLike,
  branches: readonly ((...operands: LiftedArgs<Ops>) => LeafLike<R>)[],
  ...operands: Ops
) => Lifted<R> = declareAs("lax.switch", "index, branches, ...operands:data", "", switchImpl);

/**
 * Repeats `bodyFun` on the carry while `condFun(carry)` holds. Forward-mode differentiable
 * and batchable (per-example trip counts under vmap); not reverse-mode differentiable.
 * @example lax.whileLoop(([i, x]) => i.lt(10), ([i, x]) => [i.add(1), x.mul(2)], [0, x])
 */
export const whileLoop: <T>(condFun: (carry: Lifted<T>) => ArrayLike, bodyFun: (carry: Lifted<T>) => NoInfer<LeafLike<T>>, initVal: T) => Lifted<T> =
  declareAs("lax.whileLoop", "condFun, bodyFun, initVal", "", whileLoopImpl);

/**
 * `for (i = lower; i < upper; i++) val = bodyFun(i, val)`. With static bounds (JS numbers or
 * concrete arrays) it is a scan, so reverse-mode differentiable; otherwise a while loop.
 * @example lax.foriLoop(0, 5, (i, x) => x.mul(2), x)
 */
export const foriLoop: <T>(lower: ArrayLike, upper: ArrayLike, bodyFun: (i: Array, val: Lifted<T>) => NoInfer<LeafLike<T>>, initVal: T, opts?: { unroll?: number | boolean }) => Lifted<T> =
  declareAs("lax.foriLoop", "lower, upper, bodyFun, initVal", "unroll", foriLoopImpl);

/** `lax.scan`'s trailing parameters, positionally (JAX's order) or as options. */
type ScanRest = [opts?: ScanOptions] | [length: number | undefined | null, opts?: Omit<ScanOptions, "length">] | [length: number | undefined | null, reverse: boolean | undefined, opts?: { unroll?: number | boolean }] | [length: number | undefined | null, reverse: boolean | undefined, unroll: number | boolean | undefined];

/**
 * Loops `f(carry, x) -> [carry, y]` over the leading axis of `xs`, returning
 * `[finalCarry, stackedYs]` (`lax.scan`). Differentiable in both modes and batchable.
 * `xs` may be null when `length` is given.
 * @example const [total, partials] = lax.scan((c, x) => [c.add(x), c], 0, xs)
 */
export const scan: <C, X, Y>(f: (carry: Lifted<C>, x: Lifted<X>) => readonly [NoInfer<LeafLike<C>>, Y], init: C, xs: X, ...rest: ScanRest) => [Lifted<C>, Lifted<Y>] =
  declareAs("lax.scan", "f, init, xs, length?:int, reverse?, unroll?", "length reverse unroll", scanImpl);

/**
 * `f` applied to each slice of `xs` along its leading axis, stacked (`lax.map`). With
 * `batchSize`, slices are processed `batchSize` at a time with vmap (0: all at once).
 * @example lax.map((x) => np.sin(x).sum(), np.ones([4, 3]))
 */
export const map: <X, Y>(f: (x: Lifted<X>) => Y, xs: X, opts?: { batchSize?: number | null }) => Lifted<Y> =
  declareAs("lax.map", "f, xs", "batchSize", mapImpl);
