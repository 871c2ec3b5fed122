// Forward mode (Autodidax's JVPTrace): each value carries its tangent, null being a symbolic
// zero, and every primitive's `jvp` rule maps primal and tangent inputs to outputs.

import { declareAs } from "../core/signature.js";
import type { Jvp } from "./types.js";
import { Array, Tracer } from "../core/array.js";
import { ShapedArray } from "../core/aval.js";
import { ValueError, shapeStr } from "../core/errors.js";
import { ClosedJaxpr } from "../core/jaxpr.js";
import { Params, Primitive } from "../core/primitive.js";
import { evalJaxpr, traceToJaxpr } from "../core/staging.js";
import { MainTrace, Trace, bind, fullRaise, scalar, withMainTrace } from "../core/trace.js";
import * as tree from "../core/tree.js";
import { instantiate, isDifferentiable, diffArg } from "./ad_util.js";
import { withNameTransform } from "./named.js";

export class JVPTracer extends Tracer {
  constructor(
    readonly trace: JVPTrace,
    readonly primal: Array,
    readonly tangent: Array | null,
  ) {
    super();
  }
  get aval(): ShapedArray {
    return this.primal.aval;
  }
}

export function noRule(kind: string, prim: Primitive): Error {
  return new Error(`${kind} rule for '${prim.name}' not implemented.`);
}

export class JVPTrace extends Trace {
  pure(x: Array | number | boolean): Array {
    return new JVPTracer(this, x instanceof Array ? x : scalar(x), null);
  }
  processPrimitive(prim: Primitive, tracers: Array[], params: Params): Array[] {
    const ts = tracers as JVPTracer[];
    const primals = ts.map((t) => t.primal);
    const tangents = ts.map((t) => t.tangent);
    if (tangents.every((t) => t === null)) return bind(prim, primals, params).map((p) => new JVPTracer(this, p, null));
    if (!prim.rules.jvp) throw noRule("Differentiation", prim);
    const [outs, touts] = prim.rules.jvp(primals, tangents, params);
    return outs.map((p, i) => new JVPTracer(this, p, touts[i] && isDifferentiable(p.dtype) ? touts[i] : null));
  }
}

/** Checks a primal/tangent pair as `jax.jvp` does; returns the tangent (null: zero). */
export function checkTangent(p: Array, t: unknown, what = "jvp"): Array | null {
  if (t === null || t === undefined) return null;
  const ta = t instanceof Array ? t.aval : typeof t === "number" ? new ShapedArray([], "float32", true) : null;
  if (!ta) throw new TypeError(`${what}: tangent ${String(t)} is not an Array or JS number.`);
  if (!isDifferentiable(p.dtype)) {
    throw new TypeError(
      `primal and tangent arguments to jax.${what} do not match; dtypes must be equal, or in case of int/bool primal dtype ` +
        `the tangent dtype must be float0. Got primal dtype ${p.dtype} and so expected tangent dtype float0, but got tangent dtype ${ta.dtype} instead. ` +
        "Pass null as the tangent of integer or bool inputs (webjax's float0).",
    );
  }
  if (ta.dtype !== p.dtype && !(ta.weakType && typeof t === "number")) {
    throw new TypeError(
      `primal and tangent arguments to jax.${what} do not match; dtypes must be equal, or in case of int/bool primal dtype ` +
        `the tangent dtype must be float0. Got primal dtype ${p.dtype} and so expected tangent dtype ${p.dtype}, but got tangent dtype ${ta.dtype} instead.`,
    );
  }
  if (ta.shape.length !== p.ndim || ta.shape.some((n, i) => n !== p.shape[i])) {
    throw new ValueError(`${what} called with different primal and tangent shapes;Got primal shape ${shapeStr(p.shape)} and tangent shape as ${shapeStr(ta.shape)}`);
  }
  return t instanceof Array ? t : scalar(t as number, p.dtype, p.weakType);
}

/** Runs flat `f` under a new JVP level; returns primal outputs and tangents (null: zero). */
export function jvpFlat(
  f: (...xs: Array[]) => (Array | number | boolean)[],
  primals: Array[],
  tangents: (Array | null)[],
): [Array[], (Array | null)[]] {
  return withMainTrace(JVPTrace, null, (main: MainTrace) => {
    const trace = new JVPTrace(main);
    const ins = primals.map((p, i) => new JVPTracer(trace, p, isDifferentiable(p.dtype) ? tangents[i] : null));
    const outs = withNameTransform("jvp", () => f(...ins)).map((o) => fullRaise(trace, o) as JVPTracer);
    return [outs.map((o) => o.primal), outs.map((o) => o.tangent)];
  });
}

function jvpImpl(fun: (...args: any[]) => any, primals: any[], tangents: any[], opts: { hasAux?: boolean }): any[] {
  if (!globalThis.Array.isArray(primals) || !globalThis.Array.isArray(tangents)) {
    throw new TypeError("jvp: primals and tangents must be JS arrays with one entry per positional argument of the function.");
  }
  const [pLeaves, pTree] = tree.flatten(primals);
  const [tLeaves, tTree] = tree.flatten(tangents, (x) => x === null);
  if (tLeaves.length !== pLeaves.length || (String(tTree) !== String(pTree) && tangents.some((t) => t !== null))) {
    throw new ValueError(`jvp: primal and tangent arguments must have the same tree structure; got ${pTree} and ${tTree}.`);
  }
  const ps = pLeaves.map(diffArg);
  const ts = ps.map((p, i) => checkTangent(p, tLeaves[i]));
  let outTree: tree.TreeDef | undefined;
  let aux: unknown;
  const [outs, touts] = jvpFlat(
    (...xs) => {
      let r = fun(...tree.unflatten(pTree, xs));
      if (opts.hasAux) [r, aux] = checkAuxPair(r, "jvp");
      const [leaves, t] = tree.flatten(r);
      outTree = t;
      return leaves;
    },
    ps,
    ts,
  );
  const tOuts = touts.map((t, i) => instantiate(t, outs[i].aval));
  const res = [tree.unflatten(outTree!, outs), tree.unflatten(outTree!, tOuts)];
  return opts.hasAux ? [...res, lowerAux(aux)] : res;
}

export function checkAuxPair(r: unknown, what: string): [unknown, unknown] {
  if (!globalThis.Array.isArray(r) || r.length !== 2) {
    throw new TypeError(`${what} with hasAux: the function must return a pair [output, aux], got ${String(r)}.`);
  }
  return r as [unknown, unknown];
}

/** Aux outputs leave the transformation as plain values (JAX stops their gradients). */
export function lowerAux(aux: unknown): unknown {
  return tree.map((x: unknown) => (x instanceof JVPTracer ? lowerAux(x.primal) : x), aux);
}

/**
 * The jaxpr of the JVP of `jaxpr`: inputs are the primals then the non-zero tangents, outputs
 * the primal outputs then all output tangents (zeros instantiated). For call primitives' rules.
 */
export function jvpJaxpr(closed: ClosedJaxpr, nonzeros: boolean[]): ClosedJaxpr {
  const avals = closed.jaxpr.invars.map((v) => v.aval);
  const tAvals = avals.filter((_, i) => nonzeros[i]);
  const { jaxpr, consts } = traceToJaxpr((...xs) => {
    const primals = xs.slice(0, avals.length);
    let k = avals.length;
    const tangents = avals.map((_, i) => (nonzeros[i] ? xs[k++] : null));
    const [outs, touts] = jvpFlat((...ins) => evalJaxpr(closed.jaxpr, closed.consts, ins), primals, tangents);
    return [...outs, ...touts.map((t, i) => instantiate(t, outs[i].aval))];
  }, [...avals, ...tAvals]);
  return new ClosedJaxpr(jaxpr, consts);
}

// ---- the public, checked entry points ----

/**
 * Forward-mode derivative: `[f(primals), J·tangents]`. Tangents of integer inputs are null.
 * @example const [y, dy] = jax.jvp(np.sin, [x], [np.onesLike(x)]);   // dy = cos(x)
 */
export const jvp: Jvp = declareAs("jax.jvp", "fun:fn, primals, tangents, hasAux?", "hasAux", jvpImpl);
