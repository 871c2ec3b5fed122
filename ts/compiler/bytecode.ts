// The bytecode the wasm core executes (core-cpp/bytecode.h has the same numbers; a spec
// compares them). A program is int32 words: instructions [op, length, ...payload].

import { DType, float16Bits, float16Value } from "../core/dtype.js";
import { hostFromValues } from "../core/host.js";
import type { Literal } from "../core/jaxpr.js";

export const Op = { FUSED: 1, DOT: 2, REDUCE: 3, COPY: 4, FILL: 5, HOST: 6, GATHER: 7, SCATTER: 8, SCAN: 9, WHILE: 10, COND: 11, DSLICE: 12, CUMULATIVE: 13, SORT: 14, REDUCE_FUSED: 15, COLLECTIVE: 16 } as const;

/** OP_COLLECTIVE's kinds (core-cpp/bytecode.h Coll). */
export const Coll = { PSUM: 0, PMAX: 1, PMIN: 2, ALL_GATHER: 3, REDUCE_SCATTER: 4, ALL_TO_ALL: 5, PPERMUTE: 6, AXIS_INDEX: 7 } as const;

/** Storage dtypes the kernels handle natively; others go through host calls. */
export const DT = { F32: 0, I32: 1, U32: 2, BOOL: 3, F64: 4, C64: 5, F16: 6 } as const;

export const ROp = { SUM: 0, PROD: 1, MAX: 2, MIN: 3, AND: 4, OR: 5, ARGMAX: 6, ARGMIN: 7 } as const;

/** Fused-kernel instructions: [eop, dst, a, b, c]. */
export const E = {
  LOAD: 0, STORE: 1, CONST: 2, INDEX: 3, CONST64: 4, STOREC: 5,
  FADD: 10, FSUB: 11, FMUL: 12, FDIV: 13, FMAX: 14, FMIN: 15, FNEG: 16, FABS: 17, FSQRT: 18, FRSQRT: 19,
  FFLOOR: 20, FCEIL: 21, FROUND_EVEN: 22, FROUND_AWAY: 23, FSIGN: 24, FSQUARE: 25, FPOW: 26, FATAN2: 27, FREM: 28, FISFINITE: 29,
  FEQ: 30, FNE: 31, FLT: 32, FLE: 33, FGT: 34, FGE: 35,
  VMATH: 36, FCBRT: 37, FNEXTAFTER: 38,
  IADD: 40, ISUB: 41, IMUL: 42, IDIV: 43, IREM: 44, INEG: 45, IABS: 46, IMAX: 47, IMIN: 48, ISIGN: 49,
  UDIV: 50, UREM: 51, UMAX: 52, UMIN: 53, USIGN: 54,
  AND: 55, OR: 56, XOR: 57, NOT: 58, BNOT: 59, SHL: 60, SHRL: 61, SHRA: 62,
  IEQ: 63, INE: 64, ILT: 65, ILE: 66, IGT: 67, IGE: 68, ULT: 69, ULE: 70, UGT: 71, UGE: 72,
  F2I: 80, F2U: 81, I2F: 82, U2F: 83, TOBOOL: 84, FTOBOOL: 85,
  SELECT: 90, IPOW: 91,
  SHLI: 92, SHRLI: 93, SHRAI: 94, ROTLI: 95,
  F16ROUND: 96,
  DADD: 100, DSUB: 101, DMUL: 102, DDIV: 103, DMAX: 104, DMIN: 105, DNEG: 106, DABS: 107, DSQRT: 108, DRSQRT: 109,
  DFLOOR: 110, DCEIL: 111, DROUND_EVEN: 112, DROUND_AWAY: 113, DSIGN: 114, DSQUARE: 115, DPOW: 116, DATAN2: 117, DREM: 118, DISFINITE: 119,
  DEQ: 120, DNE: 121, DLT: 122, DLE: 123, DGT: 124, DGE: 125,
  DMATH: 126, DCBRT: 127, DNEXTAFTER: 128, DIPOW: 129,
  F2D: 130, D2F: 131, I2D: 132, U2D: 133, D2I: 134, D2U: 135, DTOBOOL: 136,
  DSELECT: 137,
} as const;

/** Whether a fused kernel's code (5-word instructions) reads its coordinates (E.INDEX): then its axes cannot merge. */
export function readsCoordinates(code: readonly number[]): boolean {
  for (let i = 0; i < code.length; i += 5) if (code[i] === E.INDEX) return true;
  return false;
}

/** core-cpp/vmath.h VMathOp. */
export const VMath = {
  exp: 0, log: 1, tanh: 2, logistic: 3, sin: 4, cos: 5, erf: 6, expm1: 7, log1p: 8, tan: 9, atan: 10, exp2: 11,
  asin: 12, acos: 13, sinh: 14, cosh: 15, asinh: 16, acosh: 17, atanh: 18, erf_inv: 20,
} as const;

export function dtCode(d: DType): number | null {
  switch (d) {
    case "float32": return DT.F32;
    case "int32": return DT.I32;
    case "uint32": return DT.U32;
    case "bool": return DT.BOOL;
    case "float64": return DT.F64;
    default: return null;
  }
}

/** A fused kernel's load/store dtype: the native ones, and float16 (computed in float32 lanes). */
export const kernelDt = (d: DType): number | null => (d === "float16" ? DT.F16 : dtCode(d));

export const INT32_MAX = 2 ** 31 - 1;

const OP_NAMES = Object.fromEntries(Object.entries(Op).map(([k, v]) => [v, k]));

/** A count that may pass 2^31 (a fused reduction's extents) as two words: low, then high. */
export const wideWords = (n: number): [number, number] => [n % 2 ** 32 | 0, Math.floor(n / 2 ** 32)];

/** Appends instructions; `finish` gives the program words. */
export class Encoder {
  private words: number[] = [];

  /** Every payload word must be an int32: anything past that is a clear error, never a wrapped size. */
  emit(op: number, payload: number[]): void {
    for (const w of payload) {
      if (!(Number.isInteger(w) && w >= -(2 ** 31) && w <= INT32_MAX)) {
        throw new RangeError(`webjax wasm: the ${OP_NAMES[op] ?? op} instruction needs the count, offset or stride ${w}, past the ` +
          `2^31 - 1 that a bytecode word holds; such a size is only supported by smaller arrays (split the work, or use a smaller dtype).`);
      }
    }
    this.words.push(op, payload.length + 2, ...payload);
  }

  get length(): number {
    return this.words.length;
  }

  finish(): Int32Array {
    return Int32Array.from(this.words);
  }
}

// ---- literal bits in instruction words ----

/** A constant's register bits (float16 lives in float32 lanes, so its value's float32 bits). */
export function constBits(v: number | boolean, d: DType): number {
  if (d === "float32") return new Int32Array(new Float32Array([Number(v)]).buffer)[0];
  if (d === "float16") return new Int32Array(new Float32Array([float16Value(float16Bits(Number(v)))]).buffer)[0];
  if (d === "float64") return new Int32Array(new Float64Array([Number(v)]).buffer)[0];
  if (d === "bool") return v ? 1 : 0;
  return Number(v) | 0;
}

/** The high word of a constant's bits (float64 only). */
export const constHi = (v: number | boolean, d: DType): number => (d === "float64" ? new Int32Array(new Float64Array([Number(v)]).buffer)[1] : 0);

/** A fill value's bytes for `dtype`, as two int32 words (complex: the real part, then 0). */
export function fillBits(v: number, dtype: DType): [number, number] {
  const h = hostFromValues([1], dtype, [v]).data;
  const words = new Int32Array(2);
  new Uint8Array(words.buffer).set(new Uint8Array(h.buffer, h.byteOffset, Math.min(8, h.byteLength)));
  return [words[0], words[1]];
}

export function literalBits(l: Literal): number {
  const d = l.aval.dtype;
  if (d === "float64") return new Int32Array(new Float64Array([Number(l.val)]).buffer)[0];
  if (d === "float16") return float16Bits(Number(l.val));
  if (d === "complex64") return new Int32Array(new Float32Array([Number(l.val)]).buffer)[0];
  return constBits(l.val, d);
}

export function literalHi(l: Literal): number {
  return l.aval.dtype === "float64" ? new Int32Array(new Float64Array([Number(l.val)]).buffer)[1] : 0;
}
