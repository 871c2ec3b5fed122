// Linearization (JAX's direct linearize): primal values are computed by the enclosing trace
// as the function runs, while every tangent operation is staged into a linear jaxpr whose
// constants are the residuals. Transposing that jaxpr gives reverse mode.

import { Array, Tracer } from "../core/array.js";
import { ShapedArray } from "../core/aval.js";
import { ClosedJaxpr } from "../core/jaxpr.js";
import { Params, Primitive } from "../core/primitive.js";
import { JaxprBuilder, JaxprTrace, JaxprTracer, convertConstvars } from "../core/staging.js";
import { MainTrace, Trace, bind, fullRaise, scalar, withMainTrace } from "../core/trace.js";
import { isDifferentiable } from "./ad_util.js";
import { jvpJaxpr, noRule } from "./jvp.js";
import { withNameTransform } from "./named.js";
import { Saveable, partialEvalJaxpr } from "./partial_eval.js";

export class LinearizeTracer extends Tracer {
  constructor(
    readonly trace: LinearizeTrace,
    readonly primal: Array,
    /** A tracer of the tangent jaxpr being built, a value that does not depend on the inputs' tangents, or null (zero). */
    readonly tangent: Array | null,
  ) {
    super();
  }
  get aval(): ShapedArray {
    return this.primal.aval;
  }
}

export class LinearizeTrace extends Trace {
  get tangentMain(): MainTrace {
    return this.main.globalData as MainTrace;
  }
  pure(x: Array | number | boolean): Array {
    return new LinearizeTracer(this, x instanceof Array ? x : scalar(x), null);
  }
  processPrimitive(prim: Primitive, tracers: Array[], params: Params): Array[] {
    const ts = tracers as LinearizeTracer[];
    const primals = ts.map((t) => t.primal);
    const tangents = ts.map((t) => t.tangent);
    if (tangents.every((t) => t === null)) return bind(prim, primals, params).map((p) => new LinearizeTracer(this, p, null));
    const rule = prim.rules.linearize ?? prim.rules.jvp;
    if (!rule) throw noRule("Differentiation", prim);
    const [outs, touts] = rule(primals, tangents, params);
    for (const p of outs) {
      if (p instanceof JaxprTracer && p.trace.main === this.tangentMain) {
        throw new Error(`internal: the linearization of '${prim.name}' made its primal output depend on tangents.`);
      }
    }
    return outs.map((p, i) => new LinearizeTracer(this, p, touts[i] && isDifferentiable(p.dtype) ? touts[i] : null));
  }
}

export interface Linearized {
  primalsOut: Array[];
  /** tangents of the differentiable inputs -> tangents of the outputs with `outNonzero` set */
  linear: ClosedJaxpr;
  /** Which inputs the linear jaxpr takes (differentiable ones). */
  inNonzero: boolean[];
  /** Which outputs have a tangent that is not a symbolic zero. */
  outNonzero: boolean[];
}

/** Runs flat `f` on `primals`, staging its tangent computation. */
export function linearizeFlat(f: (...xs: Array[]) => (Array | number | boolean)[], primals: Array[]): Linearized {
  const builder = new JaxprBuilder();
  return withMainTrace(JaxprTrace, builder, (tangentMain) =>
    withMainTrace(LinearizeTrace, tangentMain, (main) => {
      const ttrace = new JaxprTrace(tangentMain);
      const trace = new LinearizeTrace(main);
      const inNonzero = primals.map((p) => isDifferentiable(p.dtype));
      const tIns = primals.filter((_, i) => inNonzero[i]).map((p) => builder.newArg(ttrace, p.aval.withWeak(false)));
      let k = 0;
      const ins = primals.map((p, i) => new LinearizeTracer(trace, p, inNonzero[i] ? tIns[k++] : null));
      const outs = withNameTransform("jvp", () => f(...ins)).map((o) => fullRaise(trace, o) as LinearizeTracer);
      const outNonzero = outs.map((o) => o.tangent !== null);
      const tOuts = outs.filter((o) => o.tangent !== null).map((o) => fullRaise(ttrace, o.tangent!) as JaxprTracer);
      const { jaxpr, consts } = builder.build(tIns, tOuts);
      return { primalsOut: outs.map((o) => o.primal), linear: new ClosedJaxpr(jaxpr, consts), inNonzero, outNonzero };
    }),
  );
}

/**
 * The `linearize` rule shared by primitives that carry a jaxpr: JVP the jaxpr, split it into
 * the primal half (bound now, returning residuals) and the tangent half (staged).
 * `bindKnown`/`bindUnknown` bind the halves as the primitive itself does.
 */
export function linearizeCall(
  jaxpr: ClosedJaxpr,
  primals: Array[],
  tangents: (Array | null)[],
  bindHalf: (half: ClosedJaxpr, args: Array[], which: "known" | "unknown") => Array[],
  saveable?: Saveable,
): [Array[], (Array | null)[]] {
  const nonzeros = tangents.map((t) => t !== null);
  const jvp = jvpJaxpr(jaxpr, nonzeros);
  const j = convertConstvars(jvp.jaxpr);
  const nIn = jvp.consts.length + primals.length;
  const nOut = jaxpr.outAvals.length;
  const unknowns = j.invars.map((_, i) => i >= nIn);
  const pe = partialEvalJaxpr(j, unknowns, j.outvars.map((_, i) => i >= nOut), saveable);
  if (pe.outUnknowns.slice(0, nOut).some(Boolean)) throw new Error("internal: a primal output of a call depends on tangents.");
  const known = bindHalf(new ClosedJaxpr(pe.known, []), [...jvp.consts, ...primals], "known");
  const residuals = known.slice(nOut);
  const touts = bindHalf(new ClosedJaxpr(pe.unknown, []), [...residuals, ...(tangents.filter((t) => t !== null) as Array[])], "unknown");
  return [known.slice(0, nOut), touts];
}
