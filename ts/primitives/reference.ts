// The reference evaluation of jaxprs: each equation by its primitive's `cpu` rule, on host
// arrays, in float64 rounded to each result's dtype. The cpu backend runs programs with it;
// the compiler folds constants with it; backends run primitives without a kernel of their
// own (host calls) with it.

import { ClosedJaxpr, Jaxpr, JaxprEqn, Literal, Var, Atom } from "../core/jaxpr.js";
import { CpuContext } from "../core/primitive.js";
import { HostArray, hostFromValues } from "../core/host.js";

const ctx: CpuContext = {
  evalJaxpr: (closed: ClosedJaxpr, args: HostArray[]) => {
    const consts = closed.consts.map((c) => {
      const cc = c.toConcrete();
      if (!cc) throw new Error("internal: traced constant reached the reference interpreter");
      return { shape: cc.shape, dtype: cc.dtype, data: cc.readSync() };
    });
    return interpret(closed.jaxpr, consts, args);
  },
};

/** Runs a jaxpr on host arrays, one reference kernel per equation. */
export function interpret(jaxpr: Jaxpr, consts: HostArray[], args: HostArray[]): HostArray[] {
  const env = new Map<Var, HostArray>();
  jaxpr.constvars.forEach((v, i) => env.set(v, consts[i]));
  jaxpr.invars.forEach((v, i) => env.set(v, args[i]));
  const read = (a: Atom): HostArray => (a instanceof Literal ? hostFromValues([], a.aval.dtype, [Number(a.val)]) : env.get(a)!);
  for (const eqn of jaxpr.eqns) {
    const outs = interpretEqn(eqn, eqn.inputs.map(read));
    eqn.outvars.forEach((v, i) => env.set(v, outs[i]));
  }
  return jaxpr.outvars.map(read);
}

/** Runs one equation's reference kernel. */
export function interpretEqn(eqn: JaxprEqn, inputs: HostArray[]): HostArray[] {
  const kernel = eqn.primitive.rules.cpu;
  if (!kernel) throw new Error(`The reference interpreter has no implementation of the primitive '${eqn.primitive.name}'.`);
  return kernel(inputs, eqn.params, ctx);
}
