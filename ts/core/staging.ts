// Tracing a function to a jaxpr: every primitive applied while the staging trace is the
// dynamic trace becomes an equation (JAX's omnistaging), so jit sees the whole program.

import { Array, ConcreteArray, Tracer } from "./array.js";
import { ShapedArray } from "./aval.js";
import { isComplex } from "./dtype.js";
import { Jaxpr, JaxprEqn, Literal, NameStackEntry, Var, Atom } from "./jaxpr.js";
import { Params, Primitive } from "./primitive.js";
import { MainTrace, Trace, bind, fromHostValues, fullRaise, scalar, scalarDType, withDynamicTrace, withMainTrace } from "./trace.js";

export class JaxprTracer extends Tracer {
  constructor(
    readonly trace: JaxprTrace,
    readonly aval: ShapedArray,
  ) {
    super();
  }
}

/** Names pushed by `namedScope` and transformations, recorded on each staged equation. */
export const nameStack: NameStackEntry[] = [];

export class JaxprBuilder {
  /** Equations record the name stack relative to where the jaxpr began (JAX's reset_name_stack). */
  readonly nameBase = nameStack.length;
  eqns: JaxprEqn[] = [];
  vars = new Map<JaxprTracer, Var>();
  /** Tracers standing for values from outside: concrete arrays, outer tracers or JS scalars. */
  consts = new Map<unknown, JaxprTracer>();
  constVals = new Map<JaxprTracer, Array | number | boolean>();

  /** A fresh input of the jaxpr being built. */
  newArg(trace: JaxprTrace, aval: ShapedArray): JaxprTracer {
    const t = new JaxprTracer(trace, aval);
    this.newVar(t);
    return t;
  }

  newVar(t: JaxprTracer): Var {
    const v = new Var(t.aval);
    this.vars.set(t, v);
    return v;
  }

  getVar(t: JaxprTracer): Var {
    const v = this.vars.get(t);
    if (!v) throw new Error("internal: tracer without a variable");
    return v;
  }

  addConst(trace: JaxprTrace, val: Array | number | boolean): JaxprTracer {
    let t = this.consts.get(val);
    if (!t) {
      const aval = val instanceof Array ? val.aval : new ShapedArray([], scalarDType(val), typeof val !== "boolean");
      t = new JaxprTracer(trace, aval);
      this.newVar(t);
      this.consts.set(val, t);
      this.constVals.set(t, val);
    }
    return t;
  }

  /** Assembles the jaxpr; scalar constants become literals, other constants constvars. */
  build(inTracers: JaxprTracer[], outTracers: JaxprTracer[]): { jaxpr: Jaxpr; consts: Array[] } {
    const literals = new Map<Var, Literal>();
    const constvars: Var[] = [];
    const consts: Array[] = [];
    for (const [t, val] of this.constVals) {
      const v = this.getVar(t);
      const lit = asLiteral(val, t.aval);
      if (lit) literals.set(v, lit);
      else {
        constvars.push(v);
        consts.push(val as Array);
      }
    }
    const atom = (v: Var): Atom => literals.get(v) ?? v;
    const eqns = this.eqns.map((e) =>
      literals.size ? new JaxprEqn(e.primitive, e.inputs.map((a) => (a instanceof Var ? atom(a) : a)), e.params, e.outvars, e.nameStack) : e,
    );
    const jaxpr = new Jaxpr(constvars, inTracers.map((t) => this.getVar(t)), eqns, outTracers.map((t) => atom(this.getVar(t))));
    return { jaxpr, consts };
  }
}

function asLiteral(val: Array | number | boolean, aval: ShapedArray): Literal | null {
  if (typeof val === "number" || typeof val === "boolean") return new Literal(val, aval);
  if (val instanceof ConcreteArray && aval.ndim === 0 && !isComplex(aval.dtype)) {
    if (val.scalarValue !== undefined) return new Literal(aval.dtype === "bool" ? val.scalarValue !== 0 : val.scalarValue, aval);
    // A closed-over 0-d array whose value comes back only asynchronously (WebGPU) stays an input.
    if (!val.backend.syncReads) return null;
    return new Literal(val.item() as number | boolean, aval);
  }
  return null;
}

/**
 * JAX's typing of values by the mesh axes they vary over (check_vma), inside shardMap bodies:
 * installed by transforms/shard_map.ts, active while such a body is traced.
 */
export interface VmaTyping {
  /** Whether values staged now are typed (a checkVma shardMap body is being traced). */
  active(): boolean;
  /** `x` made varying over `axes` too (JAX's implicit pvary). */
  pvary(x: Array, axes: string[]): Array;
  /**
   * The axes each output varies over, for primitives with a rule of their own (collectives,
   * control flow); undefined for the rest, whose inputs are made to vary alike and whose
   * outputs vary as they do.
   */
  rule(prim: Primitive, params: Params, ins: ReadonlySet<string>[]): ReadonlySet<string>[] | undefined;
}
let vmaTyping: VmaTyping | null = null;
export function setVmaTyping(t: VmaTyping): void {
  vmaTyping = t;
}
/** Whether values staged now are typed by the mesh axes they vary over (see VmaTyping). */
export const vmaTyped = (): boolean => vmaTyping?.active() ?? false;
const NO_AXES: ReadonlySet<string> = new Set();

export class JaxprTrace extends Trace {
  get builder(): JaxprBuilder {
    return this.main.globalData as JaxprBuilder;
  }
  pure(x: Array | number | boolean): Array {
    return this.builder.addConst(this, x);
  }
  override lift(x: Array): Array {
    return this.builder.addConst(this, x);
  }
  processPrimitive(prim: Primitive, args: Array[], params: Params): Array[] {
    let ins = args as JaxprTracer[];
    const typed = vmaTyping?.active() ?? false;
    let special: readonly ReadonlySet<string>[] | undefined;
    let all: ReadonlySet<string> = NO_AXES;
    if (typed) {
      const vmas = ins.map((t) => t.aval.vma ?? NO_AXES);
      special = vmaTyping!.rule(prim, params, vmas);
      if (!special) {
        all = new Set(vmas.flatMap((v) => [...v]));
        // Inputs that vary over fewer axes than the others are made to vary alike (pvary).
        if (all.size) ins = ins.map((t, i) => (vmas[i].size < all.size ? (vmaTyping!.pvary(t, [...all].filter((n) => !vmas[i].has(n))) as JaxprTracer) : t));
      }
    }
    const avals = prim.rules.abstractEval(ins.map((t) => t.aval), params);
    const outAvals = typed ? avals.map((a, i) => a.withVma(special ? special[i] : all)) : avals;
    const outs = outAvals.map((a) => new JaxprTracer(this, a));
    const b = this.builder;
    b.eqns.push(new JaxprEqn(prim, ins.map((t) => b.getVar(t)), params, outs.map((t) => b.newVar(t)), nameStack.slice(b.nameBase)));
    return outs;
  }
}

/**
 * Traces `f` on abstract arguments. Returns the jaxpr and the values of its constvars
 * (concrete arrays, or tracers of enclosing transformations that `f` closed over).
 */
export function traceToJaxpr(
  f: (...args: Array[]) => (Array | number | boolean)[],
  inAvals: readonly ShapedArray[],
): { jaxpr: Jaxpr; consts: Array[] } {
  return withMainTrace(JaxprTrace, new JaxprBuilder(), (main: MainTrace) =>
    withDynamicTrace(main, () => {
      const trace = new JaxprTrace(main);
      const builder = trace.builder;
      const inTracers = inAvals.map((a) => builder.newArg(trace, a));
      const outs = f(...inTracers).map((o) => fullRaise(trace, o) as JaxprTracer);
      return builder.build(inTracers, outs);
    }),
  );
}

/** Moves constvars to the front of the invars (consts then become explicit arguments). */
export function convertConstvars(jaxpr: Jaxpr): Jaxpr {
  if (!jaxpr.constvars.length) return jaxpr;
  return new Jaxpr([], [...jaxpr.constvars, ...jaxpr.invars], jaxpr.eqns, jaxpr.outvars);
}

/** Binds an equation's primitive with the equation's names added to the current name stack. */
export function bindNamed(eqn: JaxprEqn, args: (Array | number | boolean)[], prim: Primitive = eqn.primitive, params: Params = eqn.params): Array[] {
  const depth = nameStack.length;
  nameStack.push(...eqn.nameStack);
  try {
    return bind(prim, args, params);
  } finally {
    nameStack.length = depth;
  }
}

/** Evaluates a jaxpr by binding its equations, so whatever transformation is active applies. */
export function evalJaxpr(jaxpr: Jaxpr, consts: readonly (Array | number)[], args: readonly (Array | number | boolean)[]): Array[] {
  const env = new Map<Var, Array | number | boolean>();
  jaxpr.constvars.forEach((v, i) => env.set(v, consts[i]));
  jaxpr.invars.forEach((v, i) => env.set(v, args[i]));
  // Literals keep their dtype (a bare JS number would be re-typed as a weak int or float).
  const read = (a: Atom) => (a instanceof Literal ? scalar(a.val, a.aval.dtype, a.aval.weakType) : env.get(a)!);
  for (const eqn of jaxpr.eqns) {
    const outs = bindNamed(eqn, eqn.inputs.map(read));
    eqn.outvars.forEach((v, i) => env.set(v, outs[i]));
  }
  // A literal returned directly as an output still has to become an array of its type.
  return jaxpr.outvars.map((a) => {
    const v = read(a);
    return v instanceof Array ? v : fromHostValues([Number(v)], a.aval);
  });
}
