// The wasm backend: array data lives in the C++ core's linear memory. Programs run equation by
// equation; equations with a C++ kernel run in wasm on that memory, the others fall back to the
// reference kernels on host copies until the bytecode compiler (issue 6) covers them.

import { ShapedArray } from "../../core/aval.js";
import { Backend, Buffer } from "../../core/backend.js";
import { TypedArray, allocHost } from "../../core/dtype.js";
import { HostArray, hostFromValues } from "../../core/host.js";
import { Atom, Jaxpr, JaxprEqn, Literal, Var } from "../../core/jaxpr.js";
import { interpretEqn } from "../cpu/index.js";
import type { LoadedRuntime } from "./loader.js";

interface WasmBuffer {
  ptr: number;
  bytes: number;
}

export class WasmBackend implements Backend {
  readonly name = "wasm" as const;
  private live = 0;
  /** How many equations ran in C++ and how many on the reference fallback (for tests and notes). */
  readonly stats = { native: 0, fallback: 0 };

  constructor(readonly runtime: LoadedRuntime) {}

  private get core() {
    return this.runtime.kernels;
  }

  private alloc(bytes: number): WasmBuffer {
    this.live++;
    return { ptr: this.core.malloc(Math.max(bytes, 1)), bytes };
  }

  put(data: TypedArray, _aval: ShapedArray): Buffer {
    const buf = this.alloc(data.byteLength);
    new Uint8Array(this.core.memory.buffer, buf.ptr, data.byteLength).set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    return buf;
  }

  readSync(b: Buffer, aval: ShapedArray): TypedArray {
    const buf = b as WasmBuffer;
    const out = allocHost(aval.dtype, aval.size);
    new Uint8Array(out.buffer).set(new Uint8Array(this.core.memory.buffer, buf.ptr, buf.bytes));
    return out;
  }

  async read(b: Buffer, aval: ShapedArray): Promise<TypedArray> {
    return this.readSync(b, aval);
  }

  free(b: Buffer): void {
    this.live--;
    this.core.free((b as WasmBuffer).ptr);
  }

  liveBuffers(): number {
    return this.live;
  }

  async synchronize(): Promise<void> {}

  execute(jaxpr: Jaxpr, args: Buffer[]): Buffer[] {
    const env = new Map<Var, WasmBuffer>();
    [...jaxpr.constvars, ...jaxpr.invars].forEach((v, i) => env.set(v, args[i] as WasmBuffer));
    const temps: WasmBuffer[] = [];
    const read = (a: Atom): WasmBuffer => {
      if (a instanceof Var) return env.get(a)!;
      const t = this.put(literalData(a), a.aval) as WasmBuffer;
      temps.push(t);
      return t;
    };
    for (const eqn of jaxpr.eqns) {
      const outs = this.runNative(eqn, eqn.inputs.map(read)) ?? this.runFallback(eqn, eqn.inputs.map(read));
      eqn.outvars.forEach((v, i) => env.set(v, outs[i]));
      temps.push(...outs);
    }
    // Outputs get buffers of their own; everything else allocated here is freed.
    const results = jaxpr.outvars.map((a) => {
      const src = read(a);
      const copy = this.alloc(src.bytes);
      new Uint8Array(this.core.memory.buffer).copyWithin(copy.ptr, src.ptr, src.ptr + src.bytes);
      return copy;
    });
    for (const t of temps) this.free(t);
    return results;
  }

  private runNative(eqn: JaxprEqn, ins: WasmBuffer[]): WasmBuffer[] | null {
    const [x, y] = eqn.inputs;
    if (eqn.primitive.name === "add" && x.aval.dtype === "float32" && x.aval.sameType(y.aval)) {
      const n = x.aval.size;
      const out = this.alloc(4 * n);
      this.core.addF32At(ins[0].ptr, ins[1].ptr, out.ptr, n);
      this.stats.native++;
      return [out];
    }
    return null;
  }

  private runFallback(eqn: JaxprEqn, ins: WasmBuffer[]): WasmBuffer[] {
    this.stats.fallback++;
    const hostIns: HostArray[] = eqn.inputs.map((a, i) => ({ shape: a.aval.shape, dtype: a.aval.dtype, data: this.readSync(ins[i], a.aval) }));
    return interpretEqn(eqn, hostIns).map((h, i) => this.put(h.data, eqn.outvars[i].aval) as WasmBuffer);
  }
}

function literalData(l: Literal): TypedArray {
  return hostFromValues([], l.aval.dtype, [Number(l.val)]).data;
}
