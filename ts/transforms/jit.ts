// jit as a transformation: trace once per argument signature to a jaxpr, then bind the `jit`
// call primitive, which runs the whole program on a backend in one call.

import { declare, declareAs } from "../core/signature.js";
import { Array, ConcreteArray } from "../core/array.js";
import { ShapedArray } from "../core/aval.js";
import { BackendName, getBackend } from "../core/backend.js";
import { DType, TypedArray, toDType } from "../core/dtype.js";
import { ValueError } from "../core/errors.js";
import { ClosedJaxpr, Jaxpr, JaxprEqn, Var, paramsKey } from "../core/jaxpr.js";
import { JaxprTemplate, leafAxesOf, traceSizes } from "./abstracted_axes.js";
import { Params, Primitive } from "../core/primitive.js";
import { convertConstvars, evalJaxpr, JaxprTrace, traceToJaxpr } from "../core/staging.js";
import { bind, executeJaxpr, findTopTrace, placement, scalarDType } from "../core/trace.js";
import { array } from "../numpy/convert.js";
import { isUndefined } from "./ad_util.js";
import { jvpJaxpr } from "./jvp.js";
import { linearizeCall } from "./linearize.js";
import { registerPartialEval, splitCall } from "./partial_eval.js";
import { transposeJaxpr } from "./transpose.js";
import { batchJaxpr } from "./vmap.js";
import * as tree from "../core/tree.js";
import { checkInShardings, layOut, shardingsFor } from "../sharding/jit_shardings.js";

export interface JitParams {
  jaxpr: ClosedJaxpr;
  name: string;
  donated_invars: boolean[];
  keep_unused: boolean;
  inline: boolean;
  backend: BackendName | null;
}

export const jitP: Primitive<JitParams> = new Primitive<JitParams>(
  "jit",
  {
    abstractEval: (_, { jaxpr }) => jaxpr.outAvals,
    cpu: (inputs, { jaxpr }, ctx) => ctx.evalJaxpr(jaxpr, inputs),
    impl(args, { jaxpr, backend, donated_invars, name }) {
      // A program that is one shard_map (pmap is jit of one) runs it on its devices rather than
      // compiling it into one program.
      const direct = singleEqn(jaxpr.jaxpr, args);
      if (direct && !donated_invars.some(Boolean)) return direct.eqn.primitive.rules.impl!(direct.args, direct.eqn.params);
      const concrete = args as ConcreteArray[];
      return executeJaxpr(jaxpr.jaxpr, concrete, { backend: backend ? getBackend(backend) : undefined, donated: donated_invars.some(Boolean) ? donated_invars : undefined, what: name });
    },
    jvp(primals, tangents, params) {
      const { jaxpr, consts } = hoistConsts(jvpJaxpr(params.jaxpr, tangents.map((t) => t !== null)));
      const args = [...consts, ...primals, ...(tangents.filter((t) => t !== null) as Array[])];
      const outs = bind(jitP, args, callParams(params, jaxpr, args.length));
      const n = params.jaxpr.outAvals.length;
      return [outs.slice(0, n), outs.slice(n)];
    },
    linearize: (primals, tangents, params) =>
      linearizeCall(params.jaxpr, primals, tangents, (half, args) => bind(jitP, args, callParams(params, half, args.length))),
    transpose(cts, args, params) {
      const linear = args.map(isUndefined);
      const { jaxpr, consts } = hoistConsts(transposeJaxpr(params.jaxpr, linear));
      const ins = [...consts, ...(args.filter((a) => !isUndefined(a)) as Array[]), ...cts];
      const outs = bind(jitP, ins, callParams(params, jaxpr, ins.length, `transpose(${params.name})`));
      let k = 0;
      return linear.map((l) => (l ? outs[k++] : null));
    },
    batch(args, dims, params, axis) {
      const batched = batchJaxpr(params.jaxpr, dims, axis);
      const { jaxpr, consts } = hoistConsts(batched.jaxpr);
      const ins = [...consts, ...args];
      return [bind(jitP, ins, callParams(params, jaxpr, ins.length)), batched.outDims];
    },
    printParams: ({ name, jaxpr, keep_unused, donated_invars }) => ({
      name,
      jaxpr,
      ...(keep_unused ? { keep_unused } : {}),
      ...(donated_invars.some(Boolean) ? { donated_invars } : {}),
    }),
  },
  true,
);

registerPartialEval("jit", (eqn, unknowns) => splitCall(eqn, unknowns));

/** The shard_map of a jaxpr that is one shard_map (or a jit of one) over its inputs, giving its outputs. */
function singleEqn(j: Jaxpr, args: Array[]): { eqn: JaxprEqn; args: Array[] } | null {
  if (j.eqns.length !== 1 || j.constvars.length) return null;
  const [e] = j.eqns;
  if (e.primitive.name !== "shard_map") return e.primitive.name === "jit" ? nested(e, j, args) : null;
  if (j.outvars.length !== e.outvars.length || j.outvars.some((v, i) => v !== e.outvars[i])) return null;
  const ins = e.inputs.map((a) => (a instanceof Var ? j.invars.indexOf(a) : -1));
  if (ins.some((i) => i < 0)) return null;
  return { eqn: e, args: ins.map((i) => args[i]) };
}

/** A jit of a jit: the inner one's single equation, if it has one. */
function nested(e: JaxprEqn, j: Jaxpr, args: Array[]): { eqn: JaxprEqn; args: Array[] } | null {
  if (j.outvars.length !== e.outvars.length || j.outvars.some((v, i) => v !== e.outvars[i])) return null;
  const ins = e.inputs.map((a) => (a instanceof Var ? j.invars.indexOf(a) : -1));
  if (ins.some((i) => i < 0)) return null;
  const inner = (e.params as JitParams).jaxpr;
  if (inner.consts.length) return null;
  return singleEqn(inner.jaxpr, ins.map((i) => args[i]));
}

/** A jaxpr's constants turned into leading inputs, so a call primitive can pass them in. */
export function hoistConsts(closed: ClosedJaxpr): { jaxpr: ClosedJaxpr; consts: Array[] } {
  return closed.consts.length ? { jaxpr: new ClosedJaxpr(convertConstvars(closed.jaxpr), []), consts: closed.consts } : { jaxpr: closed, consts: [] };
}

/** Params of a derived call (jvp, transpose, batched, a partial-eval half): nothing donated. */
function callParams(params: JitParams, jaxpr: ClosedJaxpr, nArgs: number, name = params.name): JitParams {
  return { ...params, jaxpr, name, donated_invars: new globalThis.Array(nArgs).fill(false) };
}

/** What a shape-only argument looks like (`jax.ShapeDtypeStruct`). */
export class ShapeDtypeStructClass {
  readonly shape: number[];
  readonly dtype: DType;
  constructor(shape: readonly number[], dtype: DType | string, readonly weakType = false) {
    this.shape = [...shape];
    this.dtype = toDType(dtype);
  }
  get ndim(): number {
    return this.shape.length;
  }
  get size(): number {
    return this.shape.reduce((a, b) => a * b, 1);
  }
  toString(): string {
    return `ShapeDtypeStruct(shape=(${this.shape.join(", ")}${this.shape.length === 1 ? "," : ""}), dtype=${this.dtype})`;
  }
}

/**
 * `jax.ShapeDtypeStruct(shape, dtype)`, callable with or without `new`.
 * @example jax.evalShape(f, jax.ShapeDtypeStruct([3], "float32"))
 */
export const ShapeDtypeStruct = declare("jax.ShapeDtypeStruct", "shape:shape, dtype:dtype", "", function (shape: readonly number[], dtype: DType | string) {
  return new ShapeDtypeStructClass(shape, dtype);
}) as unknown as {
  /** A shape and dtype standing for an argument. @example jax.ShapeDtypeStruct([3], "float32") */
  (shape: readonly number[], dtype: DType | string): ShapeDtypeStructClass;
  /** The same with `new`. @example new jax.ShapeDtypeStruct([3], "float32") */
  new (shape: readonly number[], dtype: DType | string): ShapeDtypeStructClass;
};
(ShapeDtypeStruct as any).prototype = ShapeDtypeStructClass.prototype;

const isTypedArray = (x: unknown): x is TypedArray => ArrayBuffer.isView(x) && !(x instanceof DataView);

/** The abstract value of a flattened argument leaf, with JAX's error for non-array leaves. */
export function leafAval(x: unknown, allowShapeOnly = false): ShapedArray {
  if (x instanceof Array) return x.aval;
  if (typeof x === "number") return new ShapedArray([], scalarDType(x), true);
  if (typeof x === "boolean") return new ShapedArray([], "bool");
  if (allowShapeOnly && x instanceof ShapeDtypeStructClass) return new ShapedArray(x.shape, x.dtype, x.weakType);
  throw new TypeError(
    `Argument '${String(x)}' of type ${x === null ? "null" : typeof x === "object" ? (x as object).constructor?.name : typeof x} is not a valid JAX type. ` +
      "Pass Arrays, JS numbers or booleans (or pytrees of them), or mark the argument static with staticArgnums.",
  );
}

const isBoolean = (x: unknown): x is boolean => typeof x === "boolean";

/** Declared parameter names of a JS function, for staticArgnames/donateArgnames. */
export function paramNames(fn: Function): string[] {
  const src = fn.toString();
  const m = /^[^(]*\(([^)]*)\)/.exec(src) ?? /^\s*(?:async\s+)?([A-Za-z_$][\w$]*)\s*=>/.exec(src);
  if (!m) return [];
  return m[1].split(",").map((p) => p.trim().replace(/^\.\.\./, "").split(/[=\s:]/)[0]).filter(Boolean);
}

export function normalizeArgnums(nums: number | number[] | null | undefined, nargs: number, what: string): number[] {
  const list = nums === null || nums === undefined ? [] : typeof nums === "number" ? [nums] : nums;
  return list.map((n) => {
    if (!Number.isInteger(n)) throw new ValueError(`${what} must be integers, got ${n}.`);
    const k = n < 0 ? n + nargs : n;
    if (k < 0 || k >= nargs) {
      throw new ValueError(`${what} ${JSON.stringify(nums)} is out of bounds for a function called with ${nargs} positional arguments.`);
    }
    return k;
  });
}

export function namesToArgnums(fn: Function, names: string | string[] | undefined, what: string): number[] {
  if (names === undefined) return [];
  const declared = paramNames(fn);
  return (typeof names === "string" ? [names] : names).map((n) => {
    const i = declared.indexOf(n);
    if (i < 0) throw new ValueError(`${what} '${n}' does not name a parameter of ${fn.name || "the function"} (parameters: ${declared.join(", ")}).`);
    return i;
  });
}

/** Options of `jax.jit` (JAX's keywords in camelCase). @example jax.jit(f, {staticArgnums: [1], donateArgnums: [0]}) */
export interface JitOptions {
  staticArgnums?: number | number[];
  staticArgnames?: string | string[];
  donateArgnums?: number | number[];
  donateArgnames?: string | string[];
  keepUnused?: boolean;
  device?: BackendName | { platform: BackendName };
  backend?: BackendName;
  inline?: boolean;
  inShardings?: unknown;
  outShardings?: unknown;
  abstractedAxes?: unknown;
}

interface Traced {
  jaxpr: ClosedJaxpr;
  consts: Array[];
  outTree: tree.TreeDef;
  /** jit_p's params when nothing is donated (the same every call). */
  params?: Params;
}

function jitImpl<F extends (...args: any[]) => any>(fun: F, opts: JitOptions): F {
  const abstracted = opts.abstractedAxes !== undefined && opts.abstractedAxes !== null;
  const templates = new Map<string, { template: JaxprTemplate; consts: Array[]; outTree: tree.TreeDef }>();
  const backend = opts.backend ?? (opts.device ? (typeof opts.device === "string" ? opts.device : opts.device.platform) : null);
  const cache = new Map<string, Traced>();
  const name = fun.name || "<lambda>";

  // Which arguments are static or donated depends only on how many there are.
  const argnumsByArity = new Map<number, { statics: Set<number>; donated: Set<number>; dynIdx: number[] }>();
  const argnums = (nargs: number) => {
    let a = argnumsByArity.get(nargs);
    if (!a) {
      const statics = new Set([
        ...normalizeArgnums(opts.staticArgnums, nargs, "staticArgnums"),
        ...namesToArgnums(fun, opts.staticArgnames, "staticArgnames"),
      ]);
      const donated = new Set([
        ...normalizeArgnums(opts.donateArgnums, nargs, "donateArgnums"),
        ...namesToArgnums(fun, opts.donateArgnames, "donateArgnames"),
      ]);
      const dynIdx = [...globalThis.Array(nargs).keys()].filter((i) => !statics.has(i));
      argnumsByArity.set(nargs, (a = { statics, donated, dynIdx }));
    }
    return a;
  };

  const sharded = opts.inShardings != null || opts.outShardings != null;

  const jitted = function (this: unknown, ...args: any[]) {
    const { statics, donated, dynIdx } = argnums(args.length);
    const dynArgs = statics.size ? dynIdx.map((i) => args[i]) : args;
    const [rawLeaves, inTree] = tree.flatten(dynArgs);
    // Typed arrays are arrays of their own dtype, as np.array makes them.
    const arrays = rawLeaves.some(isTypedArray) ? rawLeaves.map((l) => (isTypedArray(l) ? array(l) : l)) : rawLeaves;
    if (opts.inShardings != null) checkInShardings(shardingsFor(opts.inShardings, dynArgs, "in_shardings"), arrays);
    // JS booleans are static: `flag ? a : b` cannot see a traced bool (JS has no hook for an
    // object's truthiness), so a traced one would always be true. Each value traces its own program.
    const bools = abstracted || !rawLeaves.some(isBoolean) ? null : rawLeaves.map(isBoolean);
    const leaves = bools ? arrays.filter((_, i) => !bools[i]) : arrays;
    const avals = leaves.map((l) => leafAval(l));
    // Shared (pinned) arrays such as cached scalars are never donated.
    const leafDonated = donated.size
      ? dynIdx.flatMap((i) => tree.leaves(args[i]).flatMap((l) => (isBoolean(l) && bools ? [] : [donated.has(i) && !(l instanceof ConcreteArray && l.isPinned)])))
      : null;
    const staticKey = (statics.size ? paramsKey([...statics].map((i) => args[i])) : "") + (bools ? `|${rawLeaves.map((l) => (l === true ? "T" : l === false ? "F" : "_")).join("")}` : "");
    let outTree: tree.TreeDef | undefined;
    const flatFun = (...tracers: Array[]) => {
      let k = 0;
      const dyn = tree.unflatten(inTree, bools ? rawLeaves.map((l, i) => (bools[i] ? l : tracers[k++])) : tracers);
      const full = args.map((a, i) => (statics.has(i) ? a : dyn[dynIdx.indexOf(i)]));
      const [outs, ot] = tree.flatten(fun.apply(this, full));
      outTree = ot;
      return outs;
    };
    let traced: Traced | undefined;
    if (abstracted) {
      traced = specializeAbstracted(opts.abstractedAxes, dynIdx.map((i) => args[i]), avals, `${inTree}|${staticKey}`, templates, flatFun, () => outTree!);
    } else {
      const key = `${inTree}|${avals.map((a) => a.key()).join(",")}|${staticKey}`;
      traced = cache.get(key);
      if (!traced) {
        const { jaxpr, consts } = traceToJaxpr(flatFun, avals);
        traced = { jaxpr: new ClosedJaxpr(convertConstvars(jaxpr), []), consts, outTree: outTree! };
        // Constants that are tracers of an enclosing transformation are only valid during it.
        if (consts.every((c) => c instanceof ConcreteArray)) cache.set(key, traced);
      }
    }

    const inputs = [...traced.consts, ...leaves];
    let outs: Array[];
    if (opts.inline && findTopTrace(inputs) instanceof JaxprTrace) {
      outs = evalJaxpr(traced.jaxpr.jaxpr, [], inputs);
    } else {
      const params = (donated_invars: boolean[]) => ({ jaxpr: traced!.jaxpr, name, donated_invars, keep_unused: !!opts.keepUnused, inline: !!opts.inline, backend });
      // Without donation the params are the same every call.
      outs = bind(jitP, inputs, leafDonated ? params([...traced.consts.map(() => false), ...leafDonated]) : (traced.params ??= params(inputs.map(() => false))));
    }
    // Results laid out by outShardings (outside any other transformation: tracers have no layout).
    if (sharded && opts.outShardings != null) {
      const shardings = shardingsFor(opts.outShardings, tree.unflatten(traced.outTree, outs), "out_shardings");
      outs = outs.map((o, i) => layOut(o, shardings[i]));
    }
    return tree.unflatten(traced.outTree, outs);
  };
  Object.defineProperty(jitted, "name", { value: name });
  return jitted as unknown as F;
}

/**
 * The program for these argument sizes from the template of `abstractedAxes` (traced once per
 * argument structure, at sentinel sizes: see abstracted_axes.ts).
 */
function specializeAbstracted(
  spec: unknown,
  dynArgs: unknown[],
  avals: ShapedArray[],
  structKey: string,
  templates: Map<string, { template: JaxprTemplate; consts: Array[]; outTree: tree.TreeDef }>,
  flatFun: (...xs: Array[]) => (Array | number | boolean)[],
  outTree: () => tree.TreeDef,
): Traced {
  const axes = leafAxesOf(spec, dynArgs, avals.map((a) => a.ndim));
  const names = [...new Set(axes.flatMap((m) => [...m.values()]))];
  const sizes = names.map(() => -1);
  axes.forEach((m, i) => m.forEach((name, axis) => {
    const k = names.indexOf(name);
    const n = avals[i].shape[axis];
    if (sizes[k] >= 0 && sizes[k] !== n) throw new ValueError(`abstractedAxes: axis '${name}' has size ${sizes[k]} in one argument and ${n} in another.`);
    sizes[k] = n;
  }));
  const withSizes = (sz: number[]) => avals.map((a, i) =>
    new ShapedArray(a.shape.map((n, d) => (axes[i].has(d) ? sz[names.indexOf(axes[i].get(d)!)] : n)), a.dtype, a.weakType));
  // The key names each abstracted size "?": one template serves every size.
  const key = `${structKey}|${names}|${avals.map((a, i) => `${a.dtype}${a.weakType ? "w" : ""}[${a.shape.map((n, d) => (axes[i].has(d) ? "?" : n))}]`).join(",")}`;
  let t = templates.get(key);
  if (!t) {
    const traces = traceSizes(names.length).map((sz) => traceToJaxpr(flatFun, withSizes(sz)));
    const consts = traces[0].consts;
    if (traces.some((tr) => tr.consts.length !== consts.length || tr.consts.some((c, i) => c !== consts[i]))) {
      throw new ValueError("abstractedAxes: the program closes over arrays whose shapes depend on the abstracted sizes; pass them as arguments.");
    }
    const template = new JaxprTemplate(names, traces.map(({ jaxpr }) => new ClosedJaxpr(convertConstvars(jaxpr), [])));
    t = { template, consts, outTree: outTree() };
    templates.set(key, t);
  }
  const closed = t.template.specialize(sizes);
  return { jaxpr: new ClosedJaxpr(closed.jaxpr, []), consts: t.consts, outTree: t.outTree };
}

function makeJaxprImpl(fun: (...args: any[]) => any, opts: { staticArgnums?: number | number[] }) {
  return (...args: any[]): ClosedJaxpr => {
    const statics = new Set(normalizeArgnums(opts.staticArgnums, args.length, "staticArgnums"));
    const dynIdx = args.map((_, i) => i).filter((i) => !statics.has(i));
    const [leaves, inTree] = tree.flatten(dynIdx.map((i) => args[i]));
    const { jaxpr, consts } = traceToJaxpr((...tracers) => {
      const dyn = tree.unflatten(inTree, tracers);
      return tree.leaves(fun(...args.map((a, i) => (statics.has(i) ? a : dyn[dynIdx.indexOf(i)]))));
    }, leaves.map((l) => leafAval(l, true)));
    return new ClosedJaxpr(jaxpr, consts);
  };
}

function evalShapeImpl(fun: (...args: any[]) => any, ...args: any[]): any {
  const [leaves, inTree] = tree.flatten(args, (x) => x instanceof ShapeDtypeStructClass);
  let outTree: tree.TreeDef | undefined;
  const { jaxpr } = traceToJaxpr((...tracers) => {
    const [outs, ot] = tree.flatten(fun(...tree.unflatten(inTree, tracers)));
    outTree = ot;
    return outs;
  }, leaves.map((l) => leafAval(l, true)));
  return tree.unflatten(outTree!, jaxpr.outAvals.map((a) => new ShapeDtypeStructClass(a.shape, a.dtype, a.weakType)));
}

// ---- the public, checked entry points ----

/**
 * Traces `fun` once per argument signature and runs it as one compiled program.
 * @example const f = jax.jit((x) => np.sin(x).mul(2)); f(np.array([1, 2, 3]))
 * @typeParam F - the function's type, which the result keeps
 */
export const jit: <F extends (...args: any[]) => any>(fun: F, opts?: JitOptions) => F = declareAs("jax.jit", "fun:fn", "inShardings outShardings staticArgnums staticArgnames donateArgnums donateArgnames keepUnused device backend inline abstractedAxes", jitImpl);

/**
 * Traces `fun` and returns its jaxpr, printable in JAX's text form.
 * @example String(jax.makeJaxpr((x) => np.sin(x))(np.ones([3])))
 *   // "{ lambda ; a:f32[3]. let b:f32[3] = sin a in (b,) }"
 */
export const makeJaxpr: (fun: (...args: any[]) => any, ...rest: [opts?: { staticArgnums?: number | number[] }] | [staticArgnums: number | number[] | undefined]) => (...args: any[]) => ClosedJaxpr = declareAs("jax.makeJaxpr", "fun:fn, staticArgnums?", "staticArgnums", makeJaxprImpl);

/**
 * Output shapes and dtypes of `fun` without running it.
 * @example jax.evalShape((x) => x.sum({axis: 0}), jax.ShapeDtypeStruct([3, 4], "float32"))  // ShapeDtypeStruct([4], float32)
 */
export const evalShape: (fun: (...args: any[]) => any, ...args: any[]) => any = declareAs("jax.evalShape", "fun:fn, ...args:data", "", evalShapeImpl);
