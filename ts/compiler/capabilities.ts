// What a backend's kernels can do, as lowering needs to know it. The compiler knows no
// backend: each backend hands `lower` its table, and lowering keeps to it (a primitive without
// a native kernel becomes a host call; a dtype the backend cannot hold is a clear error, and so
// is a kernel with more axes than its kernels take: checkDTypes and checkRanks, below).

import type { DType } from "../core/dtype.js";
import { Jaxpr } from "../core/jaxpr.js";
import { collapseDims } from "./buffers.js";
import { readsCoordinates } from "./bytecode.js";
import type { Instr, Kernel } from "./lower.js";
import { flatten } from "./plan.js";

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

/** A clear error for kernels whose views keep more axes (after merging) than the backend's kernels take. */
export function checkRanks(instrs: Instr[], caps: Capabilities): void {
  const check = (shape: number[], strides: number[][], usesIndex: boolean) => {
    const rank = usesIndex ? shape.length : collapseDims(shape, strides)[0].length;
    if (rank > caps.maxRank) {
      throw new Error(`webjax ${caps.name}: a kernel over ${rank} axes that do not merge is not supported (at most ${caps.maxRank}); reshape the operands first.`);
    }
  };
  const kernel = (k: Kernel) => check(k.shape, k.ins.map((v) => v.strides), readsCoordinates(k.code));
  for (const i of flatten(instrs).flat) {
    if (i.op === "fused") kernel(i);
    else if (i.op === "reduceFused") kernel(i.input);
    else if (i.op === "copy") check(i.input.shape, [i.input.strides, i.outStrides], false);
  }
}

/** Throws the backend's message when `jaxpr` (or a nested one) holds a value of a dtype it cannot. */
export function checkDTypes(jaxpr: Jaxpr, caps: Capabilities): void {
  const bad = (d: DType) => !caps.dtypes.has(d);
  const visit = (j: Jaxpr): void => {
    for (const v of [...j.constvars, ...j.invars]) if (bad(v.aval.dtype)) throw unsupported(v.aval.dtype);
    for (const e of j.eqns) {
      for (const v of e.outvars) if (bad(v.aval.dtype)) throw unsupported(v.aval.dtype);
      for (const p of Object.values(e.params)) {
        for (const x of globalThis.Array.isArray(p) ? p : [p]) {
          if (x instanceof Jaxpr) visit(x);
          else if (x && typeof x === "object" && (x as { jaxpr?: unknown }).jaxpr instanceof Jaxpr) visit((x as { jaxpr: Jaxpr }).jaxpr);
        }
      }
    }
  };
  const unsupported = (d: DType) => new TypeError(caps.unsupported?.(d) ?? `webjax ${caps.name}: arrays of dtype ${d} are not supported by this backend.`);
  visit(jaxpr);
}
