// Transposition of linear jaxprs (Autodidax's backward pass), and the reverse-mode APIs built
// on linearize + transpose: vjp and linearTranspose.

import { declareAs } from "../core/signature.js";
import type { Linearize, LinearTranspose, Vjp } from "./types.js";
import { Array } from "../core/array.js";
import { ShapedArray } from "../core/aval.js";
import { ValueError, shapeStr } from "../core/errors.js";
import { Atom, ClosedJaxpr, Jaxpr, Literal, Var } from "../core/jaxpr.js";
import { UndefinedPrimal } from "../core/primitive.js";
import { bindNamed, nameStack, traceToJaxpr } from "../core/staging.js";
import { bind, scalar } from "../core/trace.js";
import * as tree from "../core/tree.js";
import { addTangents, convert, isDifferentiable, zeros, diffArg } from "./ad_util.js";
import { checkAuxPair, lowerAux, noRule } from "./jvp.js";
import { LinearizeTracer, linearizeFlat } from "./linearize.js";

/**
 * Cotangents of `jaxpr`'s inputs given cotangents of its outputs. `args` holds values for the
 * non-linear inputs and UndefinedPrimal for the linear ones; equations that depend only on
 * non-linear inputs are evaluated forward first (checkpointed calls recompute that way).
 */
export function backwardPass(jaxpr: Jaxpr, consts: readonly Array[], args: readonly (Array | UndefinedPrimal)[], cts: readonly (Array | null)[]): (Array | null)[] {
  const primal = new Map<Var, Array>();
  const linear = new Set<Var>();
  jaxpr.constvars.forEach((v, i) => primal.set(v, consts[i]));
  jaxpr.invars.forEach((v, i) => {
    const a = args[i];
    if (a instanceof UndefinedPrimal) linear.add(v);
    else primal.set(v, a);
  });
  const read = (a: Atom): Array => (a instanceof Literal ? scalar(a.val, a.aval.dtype, a.aval.weakType) : primal.get(a)!);
  const isLinear = (a: Atom) => a instanceof Var && linear.has(a);

  const linearEqns = [];
  for (const eqn of jaxpr.eqns) {
    if (eqn.inputs.some(isLinear)) {
      eqn.outvars.forEach((v) => linear.add(v));
      linearEqns.push(eqn);
    } else {
      bindNamed(eqn, eqn.inputs.map(read)).forEach((o, i) => primal.set(eqn.outvars[i], o));
    }
  }

  const ctEnv = new Map<Var, Array>();
  const addCt = (v: Atom, ct: Array | null) => {
    if (ct === null || !isLinear(v)) return;
    const cur = ctEnv.get(v as Var) ?? null;
    ctEnv.set(v as Var, addTangents(cur, ct)!);
  };
  jaxpr.outvars.forEach((v, i) => addCt(v, cts[i]));

  for (let e = linearEqns.length - 1; e >= 0; e--) {
    const eqn = linearEqns[e];
    const ctsOut = eqn.outvars.map((v) => ctEnv.get(v) ?? null);
    eqn.outvars.forEach((v) => ctEnv.delete(v));
    if (ctsOut.every((c) => c === null)) continue;
    const rule = eqn.primitive.rules.transpose;
    if (!rule) throw noRule("Transpose (reverse-mode differentiation)", eqn.primitive);
    const ins = eqn.inputs.map((a) => (isLinear(a) ? new UndefinedPrimal(a.aval) : read(a)));
    // Transposed equations are named transpose(<the equation's names>), as in JAX.
    const depth = nameStack.length;
    nameStack.push({ transform: "transpose" }, ...eqn.nameStack);
    let ctsIn: (Array | null)[];
    try {
      ctsIn = rule(ctsOut.map((c, i) => c ?? zeros(eqn.outvars[i].aval)), ins, eqn.params);
    } finally {
      nameStack.length = depth;
    }
    eqn.inputs.forEach((a, i) => addCt(a, ctsIn[i]));
  }
  return jaxpr.invars.map((v) => ctEnv.get(v) ?? null);
}

/**
 * The jaxpr of the transpose of `closed` with respect to the inputs marked `linear`: it takes
 * the non-linear inputs and then one cotangent per output, and returns (instantiated)
 * cotangents of the linear inputs. For call primitives' transpose rules.
 */
export function transposeJaxpr(closed: ClosedJaxpr, linear: boolean[]): ClosedJaxpr {
  const avals = closed.jaxpr.inAvals;
  const nonlinear = avals.filter((_, i) => !linear[i]);
  const { jaxpr, consts } = traceToJaxpr((...xs) => {
    let k = 0;
    const args = avals.map((a, i) => (linear[i] ? new UndefinedPrimal(a) : xs[k++]));
    const cts = backwardPass(closed.jaxpr, closed.consts, args, xs.slice(k));
    return avals.flatMap((a, i) => (linear[i] ? [cts[i] ?? zeros(a)] : []));
  }, [...nonlinear, ...closed.jaxpr.outAvals]);
  return new ClosedJaxpr(jaxpr, consts);
}

/** The zero cotangent of an input that has none: webjax's stand-in for JAX's float0 zeros. */
export function float0Zeros(aval: ShapedArray): Array {
  return zeros(new ShapedArray(aval.shape, "bool"));
}

export function checkCotangent(ct: unknown, aval: ShapedArray): Array | null {
  if (ct === null) return null;
  const c = ct instanceof Array ? ct : typeof ct === "number" ? scalar(ct, aval.dtype, aval.weakType) : null;
  if (!c) throw new TypeError(`vjp: cotangent ${String(ct)} is not an Array or JS number.`);
  if (c.ndim !== aval.ndim || c.shape.some((n, i) => n !== aval.shape[i])) {
    throw new ValueError(
      `Shape of cotangent input to vjp pullback function ${shapeStr(c.shape)} must be the same as the shape of corresponding primal input ${shapeStr(aval.shape)}.`,
    );
  }
  if (c.dtype !== aval.dtype && c.weakType && isDifferentiable(aval.dtype)) return convert(c, aval.dtype);
  if (c.dtype !== aval.dtype && isDifferentiable(aval.dtype)) {
    throw new TypeError(
      `Type of cotangent input to vjp pullback function (${c.dtype}) is not the expected tangent type (${aval.dtype}) of corresponding primal output with dtype ${aval.dtype}.`,
    );
  }
  return isDifferentiable(aval.dtype) ? c : null;
}

/** The pullback of a linearization: output cotangents (flat) -> input cotangents (flat). */
export function pullback(lin: ReturnType<typeof linearizeFlat>, inAvals: ShapedArray[]): (cts: (Array | null)[]) => Array[] {
  const { linear, inNonzero, outNonzero } = lin;
  return (cts) => {
    const tIns = inAvals.filter((_, i) => inNonzero[i]).map((a) => new UndefinedPrimal(a.withWeak(false)));
    const outCts = cts.filter((_, i) => outNonzero[i]);
    const res = backwardPass(linear.jaxpr, linear.consts, tIns, outCts);
    let k = 0;
    return inAvals.map((a, i) => {
      if (!inNonzero[i]) return float0Zeros(a);
      const c = res[k++];
      return c === null ? zeros(a.withWeak(false)) : convert(c, a.dtype);
    });
  };
}

function vjpImpl(fun: (...args: any[]) => any, ...rest: any[]): any[] {
  const hasOpts = rest.length > 0 && isOptions(rest[0]);
  const opts: { hasAux?: boolean } = hasOpts ? rest[0] : {};
  const primals = hasOpts ? rest.slice(1) : rest;
  const [leaves, inTree] = tree.flatten(primals);
  const ins = leaves.map(diffArg);
  let outTree: tree.TreeDef | undefined;
  let aux: unknown;
  const lin = linearizeFlat((...xs) => {
    let r = fun(...tree.unflatten(inTree, xs));
    if (opts.hasAux) [r, aux] = checkAuxPair(r, "vjp");
    const [outs, t] = tree.flatten(r);
    outTree = t;
    return outs;
  }, ins);
  const outAvals = lin.primalsOut.map((o) => o.aval);
  const pull = pullback(lin, ins.map((x) => x.aval));
  const vjpFun = (ct: any) => {
    const [cts, ctTree] = tree.flatten(ct, (x) => x === null);
    if (cts.length !== outAvals.length) {
      throw new ValueError(`Tree structure of cotangent input ${ctTree}, does not match structure of primal output ${outTree}.`);
    }
    return tree.unflatten(inTree, pull(cts.map((c, i) => checkCotangent(c, outAvals[i]))));
  };
  const out = tree.unflatten(outTree!, lin.primalsOut);
  return opts.hasAux ? [out, vjpFun, lowerLinearizeAux(aux)] : [out, vjpFun];
}

function isOptions(x: unknown): boolean {
  return !!x && typeof x === "object" && !(x instanceof Array) && !globalThis.Array.isArray(x) && Object.getPrototypeOf(x) === Object.prototype && "hasAux" in x;
}

export function lowerLinearizeAux(aux: unknown): unknown {
  return lowerAux(tree.map((x: unknown) => (x instanceof LinearizeTracer ? x.primal : x), aux));
}

function linearizeImpl(fun: (...args: any[]) => any, ...primals: any[]): [any, (...tangents: any[]) => any] {
  const [leaves, inTree] = tree.flatten(primals);
  const ins = leaves.map(diffArg);
  let outTree: tree.TreeDef | undefined;
  const lin = linearizeFlat((...xs) => {
    const [outs, t] = tree.flatten(fun(...tree.unflatten(inTree, xs)));
    outTree = t;
    return outs;
  }, ins);
  const jvpFun = (...tangents: any[]) => {
    const [ts] = tree.flatten(tangents, (x) => x === null);
    if (ts.length !== ins.length) throw new ValueError(`linearize: the linearized function takes ${ins.length} tangent leaves, got ${ts.length}.`);
    const tIn = ins.filter((_, i) => lin.inNonzero[i]).map((x, i) => ts[i] ?? zeros(x.aval));
    const outs = evalLinear(lin.linear, tIn);
    let k = 0;
    return tree.unflatten(outTree!, lin.primalsOut.map((p, i) => (lin.outNonzero[i] ? outs[k++] : zeros(p.aval))));
  };
  return [tree.unflatten(outTree!, lin.primalsOut), jvpFun];
}

function evalLinear(closed: ClosedJaxpr, args: Array[]): Array[] {
  const env = new Map<Var, Array>();
  closed.jaxpr.constvars.forEach((v, i) => env.set(v, closed.consts[i]));
  closed.jaxpr.invars.forEach((v, i) => env.set(v, args[i]));
  const read = (a: Atom): Array => (a instanceof Literal ? scalar(a.val, a.aval.dtype, a.aval.weakType) : env.get(a)!);
  for (const eqn of closed.jaxpr.eqns) bind(eqn.primitive, eqn.inputs.map(read), eqn.params).forEach((o, i) => env.set(eqn.outvars[i], o));
  return closed.jaxpr.outvars.map(read);
}

function linearTransposeImpl(fun: (...args: any[]) => any, ...primals: any[]): (ct: any) => any[] {
  const [leaves, inTree] = tree.flatten(primals);
  const avals = leaves.map((l) => (l instanceof Array ? l.aval : scalar(l).aval));
  for (const a of avals) {
    if (!isDifferentiable(a.dtype)) throw new TypeError(`linearTranspose only supports [float or complex] -> [float or complex], got ${a.dtype} input.`);
  }
  let outTree: tree.TreeDef | undefined;
  const { jaxpr, consts } = traceToJaxpr((...xs) => {
    const [outs, t] = tree.flatten(fun(...tree.unflatten(inTree, xs)));
    outTree = t;
    return outs;
  }, avals);
  return (ct: any) => {
    const [cts] = tree.flatten(ct, (x) => x === null);
    const res = backwardPass(jaxpr, consts, avals.map((a) => new UndefinedPrimal(a)), cts.map((c, i) => checkCotangent(c, jaxpr.outvars[i].aval)));
    return tree.unflatten(inTree, res.map((c, i) => c ?? zeros(avals[i])));
  };
}

// ---- the public, checked entry points ----

/**
 * Reverse mode: `[f(...primals), vjpFun]` where `vjpFun(ct)` returns one cotangent per primal.
 * With options first, `vjp(f, {hasAux: true}, ...primals)` returns `[out, vjpFun, aux]`.
 * @example const [y, pull] = jax.vjp((x) => x.mul(x), x); const [dx] = pull(np.onesLike(y));
 */
export const vjp: Vjp = declareAs("jax.vjp", "fun:fn, ...primals:data", "", vjpImpl);

/**
 * `[f(...primals), jvpFun]` where `jvpFun(...tangents)` evaluates the linearized function.
 * @example const [y, fLin] = jax.linearize(np.sin, x); fLin(np.onesLike(x))   // cos(x)
 */
export const linearize: Linearize = declareAs("jax.linearize", "fun:fn, ...primals:data", "", linearizeImpl);

/**
 * The transpose of a linear function, traced at the given example primals' shapes.
 * @example const fT = jax.linearTranspose((x) => x.mul(2), x); fT(ct)   // [2 * ct]
 */
export const linearTranspose: LinearTranspose = declareAs("jax.linearTranspose", "fun:fn, ...primals:data", "", linearTransposeImpl);
