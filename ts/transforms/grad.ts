// The differentiation APIs built on jvp, linearize and transpose: grad, valueAndGrad, the
// Jacobians and the Hessian, with JAX's argnums / hasAux / holomorphic / allowInt handling.

import { Array } from "../core/array.js";
import { ShapedArray } from "../core/aval.js";
import { isComplex, isFloat } from "../core/dtype.js";
import { shapeStr } from "../core/errors.js";
import { AxisName } from "../core/primitive.js";
import { bind1, fromHostValues, scalar } from "../core/trace.js";
import * as tree from "../core/tree.js";
import { reshape } from "../primitives/layout.js";
import { slice as sliceP } from "../primitives/indexing.js";
import { full, isDifferentiable, zeros, diffArg } from "./ad_util.js";
import { jit, normalizeArgnums } from "./jit.js";
import { ClosedJaxpr, Jaxpr } from "../core/jaxpr.js";
import { convertConstvars } from "../core/staging.js";
import { checkAuxPair, jvpFlat, lowerAux } from "./jvp.js";
import { linearizeFlat } from "./linearize.js";
import { checkCotangent, lowerLinearizeAux, pullback } from "./transpose.js";
import { vmap } from "./vmap.js";
import { declareAs } from "../core/signature.js";
import type { GradOptions, JacOptions, Grad, ValueAndGrad, Jacobian } from "./types.js";

export type { GradOptions, JacOptions } from "./types.js";

/** Splits args into the differentiated ones (at argnums) and a rebuilder for the call. */
function selectArgs(args: any[], argnums: number | readonly number[] | undefined, what: string) {
  if (argnums !== undefined && !(typeof argnums === "number" || globalThis.Array.isArray(argnums))) {
    throw new TypeError(`${what}: argnums must be an int or a JS array of ints, got ${String(argnums)}.`);
  }
  const nums = normalizeArgnums(argnums ?? 0, args.length, "argnums");
  if (args.length === 0) throw new TypeError(`${what}: the function was called with no arguments; differentiate it with respect to at least one (argnums).`);
  const rebuild = (dyn: any[]) => args.map((a, i) => (nums.includes(i) ? dyn[nums.indexOf(i)] : a));
  return { nums, dyn: nums.map((i) => args[i]), rebuild, single: typeof (argnums ?? 0) === "number" };
}

/**
 * What every differentiation API does first: the leaves of the arguments at argnums as
 * differentiable arrays (dtypes checked unless `check` is null), and `fun` as a flat function
 * of them that records the output structure and splits off the aux value.
 */
function diffCall(fun: (...args: any[]) => any, thisArg: unknown, args: any[], opts: GradOptions, what: string, check: GradOptions | null = opts) {
  const { dyn, rebuild, single } = selectArgs(args, opts.argnums, what);
  const [leaves, inTree] = tree.flatten(dyn);
  const ins = leaves.map(diffArg);
  if (check) ins.forEach((x) => checkInputDtype(x.aval, check, what));
  const out: { tree?: tree.TreeDef; aux?: unknown } = {};
  const flat = (...xs: Array[]): Array[] => {
    let r = fun.apply(thisArg, rebuild(tree.unflatten(inTree, xs)));
    if (opts.hasAux) [r, out.aux] = checkAuxPair(r, what);
    const [outs, t] = tree.flatten(r);
    out.tree = t;
    return outs;
  };
  return { ins, inTree, single, flat, out };
}

function checkInputDtype(aval: ShapedArray, opts: GradOptions, what: string): void {
  const d = aval.dtype;
  if (opts.holomorphic) {
    if (!isComplex(d)) {
      throw new TypeError(`${what} with holomorphic=True requires inputs with complex dtype, but got ${d}.`);
    }
  } else if (!isDifferentiable(d) && !opts.allowInt) {
    throw new TypeError(
      `${what} requires real- or complex-valued inputs (input dtype that is a sub-dtype of np.inexact), but got ${d}. ` +
        "If you want to use Boolean- or integer-valued inputs, use vjp or set allowInt to true.",
    );
  }
}

function checkScalarOutput(out: Array, opts: GradOptions, what: string): void {
  if (!(out instanceof Array)) throw new TypeError(`${what} requires the function to return an Array (a scalar), got ${String(out)}.`);
  if (out.ndim !== 0) throw new TypeError(`Gradient only defined for scalar-output functions. Output had shape: ${shapeStr(out.shape)}.`);
  if (opts.holomorphic) {
    if (!isComplex(out.dtype)) throw new TypeError(`${what} with holomorphic=True requires outputs with complex dtype, but got ${out.dtype}.`);
  } else if (!isFloat(out.dtype)) {
    throw new TypeError(
      `${what} requires real-valued outputs (output dtype that is a sub-dtype of np.floating), but got ${out.dtype}. ` +
        "For holomorphic differentiation, pass holomorphic=True. For differentiation of non-holomorphic functions involving complex outputs, use jax.vjp directly.",
    );
  }
}

function valueAndGradImpl(fun: (...args: any[]) => any, opts: GradOptions = {}): (...args: any[]) => any {
  const what = "grad";
  return function (this: unknown, ...args: any[]) {
    const { ins, inTree, single, flat, out: o } = diffCall(fun, this, args, opts, what);
    const lin = linearizeFlat((...xs) => {
      const outs = flat(...xs);
      if (outs.length !== 1) throw new TypeError(`Gradient only defined for scalar-output functions. Output was ${o.tree}.`);
      return outs;
    }, ins);
    const out = lin.primalsOut[0];
    checkScalarOutput(out, opts, what);
    let grads = pullback(lin, ins.map((x) => x.aval))([full(out.aval.withWeak(false), 1)]);
    if (opts.reduceAxes?.length) grads = grads.map((g) => reduceOverAxes(g, opts.reduceAxes!));
    const g = tree.unflatten(inTree, grads);
    const gradOut = single ? g[0] : g;
    const value = tree.unflatten(o.tree!, lin.primalsOut);
    return opts.hasAux ? [[value, lowerLinearizeAux(o.aux)], gradOut] : [value, gradOut];
  };
}

let psumHook: ((x: Array, axes: AxisName[]) => Array) | null = null;
/** Installed by the collectives module (it depends on this one). */
export function setPsum(f: (x: Array, axes: AxisName[]) => Array): void {
  psumHook = f;
}
function reduceOverAxes(g: Array, axes: AxisName[]): Array {
  if (!psumHook) throw new Error("reduceAxes needs the collectives (lax.psum), which are not loaded.");
  return psumHook(g, axes);
}

function gradImpl(fun: (...args: any[]) => any, opts: GradOptions = {}): (...args: any[]) => any {
  const vg = valueAndGradImpl(fun, opts);
  const g = function (this: unknown, ...args: any[]) {
    const [v, gr] = vg.apply(this, args);
    return opts.hasAux ? [gr, v[1]] : gr;
  };
  Object.defineProperty(g, "name", { value: `grad(${fun.name || "<lambda>"})` });
  return g;
}


/** One identity basis per leaf: for n elements in all, leaf k gets [n, ...shape_k]. */
function basis(avals: ShapedArray[]): Array[] {
  const total = avals.reduce((n, a) => n + a.size, 0);
  let offset = 0;
  return avals.map((a) => {
    const v = new Float64Array(total * a.size);
    for (let j = 0; j < a.size; j++) v[(offset + j) * a.size + j] = 1;
    offset += a.size;
    return fromHostValues(v, new ShapedArray([total, ...a.shape], a.dtype));
  });
}

function sliceAxis(x: Array, axis: number, lo: number, hi: number): Array {
  const start = x.shape.map(() => 0);
  const limit = [...x.shape];
  start[axis] = lo;
  limit[axis] = hi;
  return bind1(sliceP, [x], { start_indices: start, limit_indices: limit, strides: null });
}

const reshapeTo = (x: Array, shape: number[]) => bind1(reshape, [x], { new_sizes: shape, dimensions: null, sharding: null });

function jacfwdImpl(fun: (...args: any[]) => any, opts: JacOptions = {}): (...args: any[]) => any {
  return function (this: unknown, ...args: any[]) {
    const { ins, inTree, single, flat, out: o } = diffCall(fun, this, args, opts, "jacfwd", { ...opts, allowInt: false });
    const avals = ins.map((x) => x.aval.withWeak(false));
    const pushfwd = (...ts: Array[]) => {
      const [outs, touts] = jvpFlat(flat, ins, ts);
      return touts.map((t, i) => t ?? zeros(outs[i].aval.withWeak(false)));
    };
    // The basis' leading axis enumerates input elements; vmap puts it last in each output.
    const cols: Array[] = vmap(pushfwd, { inAxes: 0, outAxes: -1 })(...basis(avals));
    const jac = cols.map((c) => {
      const outShape = c.shape.slice(0, -1);
      let offset = 0;
      return avals.map((a) => {
        const part = sliceAxis(c, c.ndim - 1, offset, (offset += a.size));
        return reshapeTo(part, [...outShape, ...a.shape]);
      });
    });
    return nestJac(jac, o.tree!, inTree, single, opts.hasAux ? lowerAux(o.aux) : undefined);
  };
}

function jacrevImpl(fun: (...args: any[]) => any, opts: JacOptions = {}): (...args: any[]) => any {
  return function (this: unknown, ...args: any[]) {
    const { ins, inTree, single, flat, out: o } = diffCall(fun, this, args, opts, "jacrev");
    const lin = linearizeFlat(flat, ins);
    const outAvals = lin.primalsOut.map((o) => o.aval.withWeak(false));
    const pull = pullback(lin, ins.map((x) => x.aval));
    const rows: Array[] = vmap((...cts: Array[]) => pull(cts), { inAxes: 0, outAxes: 0 })(...basis(outAvals));
    // rows[j]: [totalOut, ...in_j.shape]; split the leading axis per output.
    const jac = outAvals.map((oa, i) => {
      const lo = outAvals.slice(0, i).reduce((n, a) => n + a.size, 0);
      return ins.map((x, j) => {
        const part = sliceAxis(rows[j], 0, lo, lo + oa.size);
        return reshapeTo(part, [...oa.shape, ...x.shape]);
      });
    });
    return nestJac(jac, o.tree!, inTree, single, opts.hasAux ? lowerLinearizeAux(o.aux) : undefined);
  };
}

/** Nests per-(output, input) blocks as JAX does: output structure outside, input structure inside. */
function nestJac(jac: Array[][], outTree: tree.TreeDef, inTree: tree.TreeDef, single: boolean, aux: unknown): any {
  const perOut = jac.map((blocks) => {
    const t = tree.unflatten(inTree, blocks);
    return single ? t[0] : t;
  });
  const j = tree.unflatten(outTree, perOut);
  return aux === undefined ? j : [j, aux];
}

/** `jax.jacobian` is `jacrev`. */

function hessianImpl(fun: (...args: any[]) => any, opts: JacOptions = {}): (...args: any[]) => any {
  return jacfwdImpl(jacrevImpl(fun, opts), { ...opts, hasAux: opts.hasAux });
}

/** What `fwdAndBwd`'s forward pass hands to its backward pass: residual arrays plus static structure. */
export class Residuals {
  constructor(
    readonly arrays: Array[],
    readonly meta: ResidualsMeta,
  ) {}
}

let residualIds = 0;
class ResidualsMeta {
  readonly id = residualIds++;
  constructor(
    readonly jaxpr: Jaxpr,
    readonly inNonzero: boolean[],
    readonly outNonzero: boolean[],
    readonly inAvals: ShapedArray[],
    readonly outAvals: ShapedArray[],
    readonly inTree: tree.TreeDef,
    readonly single: boolean,
  ) {}
  // Tree definitions (and so jit's cache keys) show this id instead of the whole jaxpr.
  toJSON(): string {
    return `residuals#${this.id}`;
  }
}
tree.registerPytreeNode(Residuals, (r) => [r.arrays, r.meta], (meta, arrays) => new Residuals([...arrays] as Array[], meta as ResidualsMeta));

function fwdAndBwdImpl(fun: (...args: any[]) => any, opts: { argnums?: number | number[]; hasAux?: boolean; jitted?: boolean } = {}): [(...args: any[]) => any, (res: Residuals, ct: any) => any] {
  const fwd = function (this: unknown, ...args: any[]) {
    const { ins, inTree, single, flat, out: o } = diffCall(fun, this, args, opts, "fwdAndBwd", null);
    const lin = linearizeFlat(flat, ins);
    const outAvals = lin.primalsOut.map((o) => o.aval);
    const meta = new ResidualsMeta(convertConstvars(lin.linear.jaxpr), lin.inNonzero, lin.outNonzero, ins.map((x) => x.aval), outAvals, inTree, single);
    const res = new Residuals(lin.linear.consts, meta);
    const out = tree.unflatten(o.tree!, lin.primalsOut);
    return opts.hasAux ? [out, res, lowerLinearizeAux(o.aux)] : [out, res];
  };
  const bwd = (res: Residuals, ct: any) => {
    const m = res.meta;
    const j = m.jaxpr;
    const linear = new ClosedJaxpr(new Jaxpr(j.invars.slice(0, res.arrays.length), j.invars.slice(res.arrays.length), j.eqns, j.outvars), res.arrays);
    const pull = pullback({ primalsOut: [], linear, inNonzero: m.inNonzero, outNonzero: m.outNonzero }, m.inAvals);
    const g = tree.unflatten(m.inTree, pull(tree.leaves(ct).map((c: unknown, i: number) => checkCotangent(c, m.outAvals[i]))));
    return m.single ? g[0] : g;
  };
  return opts.jitted === false ? [fwd, bwd] : [jit(fwd), jit(bwd)];
}

// ---- the public, checked entry points ----

/**
 * `f`'s value and gradient with respect to the arguments at `argnums` (default 0).
 * @example const [loss, g] = jax.valueAndGrad((w) => w.mul(w).sum())(np.array([1, 2]));
 */
export const valueAndGrad: ValueAndGrad = declareAs("jax.valueAndGrad", "fun:fn, argnums?, hasAux?, holomorphic?, allowInt?, reduceAxes?", "argnums hasAux holomorphic allowInt reduceAxes", valueAndGradImpl);

/**
 * Gradient of a scalar function with respect to the arguments at `argnums` (default 0).
 * @example jax.grad((x) => np.sin(x))(1.0)   // cos(1)
 */
export const grad: Grad = declareAs("jax.grad", "fun:fn, argnums?, hasAux?, holomorphic?, allowInt?, reduceAxes?", "argnums hasAux holomorphic allowInt reduceAxes", gradImpl);

/**
 * Jacobian by forward mode (one JVP per input element, vmapped).
 * @example jax.jacfwd((x) => np.sin(x))(np.array([1, 2]))   // diag(cos x)
 */
export const jacfwd: Jacobian = declareAs("jax.jacfwd", "fun:fn, argnums?, hasAux?, holomorphic?", "argnums hasAux holomorphic", jacfwdImpl);

/**
 * Jacobian by reverse mode (one VJP per output element, vmapped).
 * @example jax.jacrev((x) => x.mul(x))(np.array([1, 2]))   // diag(2x)
 */
export const jacrev: Jacobian = declareAs("jax.jacrev", "fun:fn, argnums?, hasAux?, holomorphic?, allowInt?", "argnums hasAux holomorphic allowInt", jacrevImpl);

/**
 * Hessian: `jacfwd(jacrev(f))`.
 * @example jax.hessian((x) => x.mul(x).sum())(np.array([1, 2]))   // 2·I
 */
export const hessian: Jacobian = declareAs("jax.hessian", "fun:fn, argnums?, hasAux?, holomorphic?", "argnums hasAux holomorphic", hessianImpl);

/**
 * The forward and backward passes of `fun` as two functions (jitted by default), so the
 * backward pass compiles once: `fwd(...args) -> [out, residuals]`, `bwd(residuals, ct) -> grads`.
 * @example const [fwd, bwd] = jax.fwdAndBwd(f, {argnums: [0, 1]}); const [y, res] = fwd(x, w); bwd(res, ct)
 * @typeParam F - the function's type, which the result keeps
 */
export const fwdAndBwd: <F extends (...args: any[]) => any>(fun: F, ...rest: [opts?: { argnums?: number | number[]; hasAux?: boolean; jitted?: boolean }] | [argnums: number | number[] | undefined, opts?: { hasAux?: boolean; jitted?: boolean }] | [argnums: number | number[] | undefined, hasAux?: boolean, jitted?: boolean]) => [(...args: Parameters<F>) => any, (res: Residuals, ct: any) => any] = declareAs("jax.fwdAndBwd", "fun:fn, argnums?, hasAux?, jitted?", "argnums hasAux jitted", fwdAndBwdImpl);

/** `jax.jacobian` is `jacrev`. @example jax.jacobian((x) => x.mul(x))(np.array([1, 2]))   // diag(2x) */
export const jacobian: Jacobian = declareAs("jax.jacobian", "fun:fn, argnums?, hasAux?, holomorphic?, allowInt?", "argnums hasAux holomorphic allowInt", jacrevImpl);
