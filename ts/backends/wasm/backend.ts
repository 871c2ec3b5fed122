// The wasm backend: array data lives in the C++ core's linear memory, and each program (a jit
// call, or one eager primitive) is compiled to bytecode once and then runs in one wasm call.

import { ShapedArray } from "../../core/aval.js";
import { Backend, Buffer } from "../../core/backend.js";
import { TypedArray, allocHost } from "../../core/dtype.js";
import { Jaxpr } from "../../core/jaxpr.js";
import { WasmBuffer, WasmProgram, compileForWasm } from "../../compiler/program.js";
import { VMath } from "../../compiler/bytecode.js";
import { nativeVMath } from "../../compiler/lower.js";
import type { LoadedRuntime } from "./loader.js";

// The core's vector math (core-cpp/vmath.h) covers these; they fuse instead of calling the host.
for (const op of Object.keys(VMath)) nativeVMath.add(op);

export class WasmBackend implements Backend {
  readonly name = "wasm" as const;
  private live = 0;
  /** Programs run, and host calls (primitives without a C++ kernel) they made, for tests and notes. */
  readonly stats = { programs: 0, hostCalls: 0 };
  private readonly programs = new WeakMap<Jaxpr, WasmProgram>();

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
    // Copies between views of the same element type are several times faster than byte copies.
    const View = data.constructor as new (b: ArrayBufferLike, offset: number, length: number) => TypedArray;
    new View(this.core.memory.buffer, buf.ptr, data.length).set(data);
    return buf;
  }

  readSync(b: Buffer, aval: ShapedArray): TypedArray {
    const buf = b as WasmBuffer;
    const like = allocHost(aval.dtype, 0);
    const View = like.constructor as new (b: ArrayBufferLike, offset: number, length: number) => TypedArray;
    return new View(this.core.memory.buffer, buf.ptr, buf.bytes / like.BYTES_PER_ELEMENT).slice();
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

  execute(jaxpr: Jaxpr, args: Buffer[], donated?: readonly boolean[]): Buffer[] {
    let program = this.programs.get(jaxpr);
    if (!program) {
      program = compileForWasm(this.core, jaxpr);
      this.programs.set(jaxpr, program);
    }
    this.stats.programs++;
    this.stats.hostCalls += program.nHost;
    return program.run(args as WasmBuffer[], (bytes) => this.alloc(bytes), donated);
  }
}
