// The cpu backend: a pure-TypeScript interpreter of jaxprs over host arrays. It computes in
// float64 and rounds to each result's dtype, so it is the test oracle for the other backends.

import { ShapedArray } from "../../core/aval.js";
import { Backend, Buffer } from "../../core/backend.js";
import { TypedArray } from "../../core/dtype.js";
import { HostArray } from "../../core/host.js";
import { ClosedJaxpr, Jaxpr, JaxprEqn, Literal, Var, Atom, dce } from "../../core/jaxpr.js";
import { CpuContext } from "../../core/primitive.js";
import { hostFromValues } from "../../core/host.js";

export class CpuBackend implements Backend {
  readonly name = "cpu" as const;
  /** Arrays are JS memory here: the garbage collector frees them. */
  readonly memory = null;
  private live = 0;

  put(data: TypedArray, _aval: ShapedArray): Buffer {
    this.live++;
    return data.slice();
  }
  readSync(buf: Buffer): TypedArray {
    return (buf as TypedArray).slice();
  }
  async read(buf: Buffer): Promise<TypedArray> {
    return this.readSync(buf);
  }
  free(_buf: Buffer): void {
    this.live--;
  }
  liveBuffers(): number {
    return this.live;
  }
  async synchronize(): Promise<void> {}

  private readonly pruned = new WeakMap<Jaxpr, Jaxpr>();

  execute(jaxpr: Jaxpr, args: Buffer[]): Buffer[] {
    const ins = [...jaxpr.constvars, ...jaxpr.invars].map((v, i) => ({ shape: v.aval.shape, dtype: v.aval.dtype, data: args[i] as TypedArray }));
    // Equations whose results are unused do not run (as XLA drops them: e.g. an unused pure_callback).
    let program = this.pruned.get(jaxpr);
    if (!program) this.pruned.set(jaxpr, (program = dce(jaxpr)));
    const outs = interpret(program, ins.slice(0, jaxpr.constvars.length), ins.slice(jaxpr.constvars.length));
    // Every output gets a buffer of its own, even when the program returns an input.
    const seen = new Set<TypedArray>(args as TypedArray[]);
    return outs.map((o) => {
      this.live++;
      const data = seen.has(o.data) ? o.data.slice() : o.data;
      seen.add(data);
      return data;
    });
  }
}

const ctx: CpuContext = {
  evalJaxpr: (closed: ClosedJaxpr, args: HostArray[]) => {
    const consts = closed.consts.map((c) => {
      const cc = c.toConcrete();
      if (!cc) throw new Error("internal: traced constant reached the cpu interpreter");
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
  if (!kernel) throw new Error(`The cpu backend has no implementation of the primitive '${eqn.primitive.name}'.`);
  return kernel(inputs, eqn.params, ctx);
}
