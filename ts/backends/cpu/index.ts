// The cpu backend: a pure-TypeScript interpreter of jaxprs over host arrays. It computes in
// float64 and rounds to each result's dtype, so it is the test oracle for the other backends.

import { ShapedArray } from "../../core/aval.js";
import { Backend, Buffer } from "../../core/backend.js";
import { TypedArray } from "../../core/dtype.js";
import { Jaxpr, dce } from "../../core/jaxpr.js";
import { interpret } from "../../primitives/reference.js";

export class CpuBackend implements Backend {
  readonly name = "cpu" as const;
  /** Arrays are JS memory here: the garbage collector frees them. */
  readonly memory = null;
  readonly syncReads = true;
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
