// What a backend's kernels can do, as lowering needs to know it. The compiler knows no
// backend: each backend hands `lower` its table, and lowering keeps to it (a primitive without
// a native kernel becomes a host call; a dtype the backend cannot hold is a clear error).

import type { DType } from "../core/dtype.js";

export interface Capabilities {
  /** The backend, for messages ("wasm"). */
  readonly name: string;
  /** Dtypes whose arrays the backend holds and computes on; a program with any other is an error. */
  readonly dtypes: ReadonlySet<DType>;
  /** Why a dtype outside `dtypes` is refused, and what to do instead (the error's message). */
  unsupported?(dtype: DType): string;
  /** Float unary primitives (bytecode.ts's VMath names) with a native float32 (and float16) kernel. */
  readonly vmath32: ReadonlySet<string>;
  /** The same for float64. */
  readonly vmath64: ReadonlySet<string>;
  /** Most axes a kernel's views may have after merging contiguous ones. */
  readonly maxRank: number;
  /** Most distinct views one fused kernel reads (it is split into several past this). */
  readonly maxKernelInputs: number;
  /** Most registers one fused kernel's code may use at once. */
  readonly maxRegisters: number;
  /**
   * Distinct elements from which a fused kernel's transposed input is first copied contiguous
   * (Infinity: never).
   */
  readonly transposeCopyMin: number;
}
