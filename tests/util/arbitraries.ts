// fast-check arbitraries for property tests over arrays: shapes (size-1 and size-0 axes
// included), element values with the special floats mixed in, and host arrays (raw typed
// data, so NaN payloads, -0 and uint32 bits reach the backends exactly as generated).
// Each export is an arbitrary builder, usable directly or through `fc.gen()`:
// `g(shape, { maxRank: 3 })`.
import fc from "fast-check";
import { prod } from "../../ts/core/aval.js";
import { DType, TypedArray, allocHost, float16Bits } from "../../ts/core/dtype.js";
import type { HostArray } from "../../ts/core/host.js";

const INTEGER_LIKE: readonly DType[] = ["int32", "uint32", "bool"];

export interface ShapeOptions {
  minRank?: number;
  maxRank?: number;
  /** Largest axis length (default 5). */
  maxDim?: number;
  /** Whether an axis may have length 0 (default true; about one axis in 16). */
  zero?: boolean;
}

/** One axis length: mostly 1..maxDim, often 1, sometimes 0. */
export function dim({ maxDim = 5, zero = true }: ShapeOptions = {}): fc.Arbitrary<number> {
  return fc.oneof(
    { arbitrary: fc.integer({ min: 1, max: maxDim }), weight: 10 },
    { arbitrary: fc.constant(1), weight: 4 },
    { arbitrary: fc.constant(zero ? 0 : 1), weight: 1 },
  );
}

export function shape(opts: ShapeOptions = {}): fc.Arbitrary<number[]> {
  const { minRank = 0, maxRank = 4 } = opts;
  return fc.array(dim(opts), { minLength: minRank, maxLength: maxRank });
}

/** `base` with some axes replaced by 1 (a shape that broadcasts to `base` under lax rules). */
export function broadcastableTo(base: readonly number[]): fc.Arbitrary<number[]> {
  return fc.array(fc.boolean(), { minLength: base.length, maxLength: base.length }).map((ones) => base.map((n, i) => (ones[i] ? 1 : n)));
}

/** A permutation of 0..n-1. */
export function permutation(n: number): fc.Arbitrary<number[]> {
  return fc.shuffledSubarray([...Array(n).keys()], { minLength: n, maxLength: n });
}

/** A sorted subset of 0..n-1. */
export function axes(n: number, { min = 0, max = n }: { min?: number; max?: number } = {}): fc.Arbitrary<number[]> {
  return fc.subarray([...Array(n).keys()], { minLength: Math.min(min, n), maxLength: Math.min(max, n) });
}

// ---- element values ----

const f = Math.fround;

/** float32 values that exercise edge behaviour: ±0, ±inf, NaN, halves, extremes, subnormals. */
export const SPECIAL_F32 = [0, -0, Infinity, -Infinity, NaN, 0.5, -0.5, 1.5, 2.5, -2.5, 1, -1, f(3.4028234663852886e38), f(-3.4028234663852886e38), f(1.1754943508222875e-38), 1.401298464324817e-45, -1.401298464324817e-45, 16777216, 16777217, -2147483648, 2147483648, 4294967296];
export const SPECIAL_I32 = [0, 1, -1, 2, 31, 32, 33, -32, 2147483647, -2147483648, 65536, -65536];
export const SPECIAL_U32 = [0, 1, 2, 31, 32, 33, 0x7fffffff, 0x80000000, 0xffffffff, 0xfffffffe, 65536];

export interface ValueOptions {
  /** Weight of special values (0: none); the default 1 makes about one value in 8 or 10 special. */
  special?: number;
  /** Restrict values to [min, max] (NaN and ±inf specials still come for floats). */
  min?: number;
  max?: number;
  /** float: only integer values (exact under any summation order while small). */
  integers?: boolean;
  /** float: nonzero values below this magnitude are raised to it (products that must not underflow). */
  minMagnitude?: number;
}

/** One element of `dtype`, as the JS number (or float32-rounded number) stored for it. */
export function element(dtype: DType, opts: ValueOptions = {}): fc.Arbitrary<number> {
  const { minMagnitude } = opts;
  if (minMagnitude !== undefined && !INTEGER_LIKE.includes(dtype)) {
    return element(dtype, { ...opts, minMagnitude: undefined }).map((v) => (v !== 0 && Math.abs(v) < minMagnitude ? Math.sign(v) * minMagnitude : v));
  }
  const { special = 1, min, max, integers = false } = opts;
  const sp = (xs: number[]) => (special > 0 ? [{ arbitrary: fc.constantFrom(...xs), weight: special }] : []);
  switch (dtype) {
    case "bool":
      return fc.boolean().map(Number);
    case "int32": {
      const lo = Math.max(min ?? -(2 ** 31), -(2 ** 31)), hi = Math.min(max ?? 2 ** 31 - 1, 2 ** 31 - 1);
      return fc.oneof(
        { arbitrary: fc.integer({ min: Math.max(lo, -8), max: Math.min(hi, 8) }), weight: 4 },
        { arbitrary: fc.integer({ min: lo, max: hi }), weight: 3 },
        ...sp(SPECIAL_I32.filter((v) => v >= lo && v <= hi)),
      );
    }
    case "uint32": {
      const lo = Math.max(min ?? 0, 0), hi = Math.min(max ?? 2 ** 32 - 1, 2 ** 32 - 1);
      return fc.oneof(
        { arbitrary: fc.integer({ min: lo, max: Math.min(hi, lo + 8) }), weight: 4 },
        { arbitrary: fc.integer({ min: lo, max: hi }), weight: 3 },
        ...sp(SPECIAL_U32.filter((v) => v >= lo && v <= hi)),
      );
    }
    default: {
      // Floats (float16/float64/complex64 parts are drawn as float32 and rounded on storage).
      const lo = min ?? -1e6, hi = max ?? 1e6;
      if (integers) {
        return fc.oneof(
          { arbitrary: fc.integer({ min: Math.ceil(lo), max: Math.floor(hi) }), weight: 6 },
          ...sp([0, -0, NaN, Infinity, -Infinity].filter((v) => Number.isNaN(v) || !Number.isFinite(v) || (v >= lo && v <= hi))),
        );
      }
      const bounded = min !== undefined || max !== undefined;
      const [slo, shi] = [f(Math.max(lo, -10)), f(Math.min(hi, 10))];
      const [ilo, ihi] = [Math.ceil(Math.max(lo, -8)), Math.floor(Math.min(hi, 8))];
      return fc.oneof(
        { arbitrary: slo <= shi ? fc.float({ min: slo, max: shi, noNaN: true }) : fc.float({ min: f(lo), max: f(hi), noNaN: true }), weight: 4 },
        ...(ilo <= ihi ? [{ arbitrary: fc.integer({ min: ilo, max: ihi }), weight: 2 }] : []),
        { arbitrary: fc.float({ min: f(lo), max: f(hi), noNaN: true }), weight: 2 },
        // The whole float32 range (subnormals, huge values) unless bounded.
        ...(bounded ? [] : [{ arbitrary: fc.float({ noNaN: true, noDefaultInfinity: true }), weight: 1 }]),
        ...sp(bounded ? SPECIAL_F32.filter((v) => Number.isNaN(v) || !Number.isFinite(v) || (v >= lo && v <= hi)) : SPECIAL_F32),
      );
    }
  }
}

/** Row-major data of `dtype` for `n` elements (float16 as bits, complex64 interleaved). */
export function data(dtype: DType, n: number, opts: ValueOptions = {}): fc.Arbitrary<TypedArray> {
  const parts = dtype === "complex64" ? 2 * n : n;
  return fc.array(element(dtype, opts), { minLength: parts, maxLength: parts }).map((vals) => {
    const out = allocHost(dtype, n);
    if (dtype === "float16") vals.forEach((v, i) => (out[i] = float16Bits(v)));
    else if (dtype === "bool") vals.forEach((v, i) => (out[i] = v ? 1 : 0));
    else (out as Float32Array).set(vals);
    return out;
  });
}

export function hostArray(dtype: DType, shape: readonly number[], opts: ValueOptions = {}): fc.Arbitrary<HostArray> {
  return data(dtype, prod(shape), opts).map((d) => ({ shape: [...shape], dtype, data: d }));
}

/** A 0-d int32 host array (start indices, branch indices, selectors). */
export function int32Scalar(min: number, max: number): fc.Arbitrary<HostArray> {
  return fc.integer({ min, max }).map((v) => ({ shape: [], dtype: "int32" as DType, data: Int32Array.of(v) }));
}

/** A shape of `size` elements with rank up to `maxRank` (factors of size, 1s inserted). */
export function reshapeOf(size: number, maxRank = 4): fc.Arbitrary<number[]> {
  const factors: number[] = [];
  let n = size;
  for (let p = 2; p <= n; p++) while (n % p === 0) (factors.push(p), (n /= p));
  return fc.tuple(fc.array(fc.integer({ min: 0, max: maxRank - 1 }), { minLength: factors.length, maxLength: factors.length }), fc.integer({ min: 0, max: 1 }), fc.integer({ min: 1, max: maxRank }))
    .map(([bins, ones, rank]) => {
      if (size === 0) return rank === 1 ? [0] : [0, ...Array(Math.min(rank, maxRank) - 1).fill(3)];
      const dims = Array(rank).fill(1);
      factors.forEach((p, i) => (dims[bins[i] % rank] *= p));
      return ones && dims.length < maxRank ? [1, ...dims] : dims;
    });
}
