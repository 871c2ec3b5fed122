// Host arrays: what the cpu reference kernels compute on (a typed array plus shape and dtype).

import { DType, TypedArray, allocHost, castScalar, float16Bits, float16Value } from "./dtype.js";
import { prod, sameShape, stridesOf } from "./aval.js";

export interface HostArray {
  readonly shape: readonly number[];
  readonly dtype: DType;
  /** Row-major elements; complex64 interleaves (re, im). float16 holds bits. */
  readonly data: TypedArray;
}

export function hostZeros(shape: readonly number[], dtype: DType): HostArray {
  return { shape, dtype, data: allocHost(dtype, prod(shape)) };
}

/** Elements as JS numbers (float16 decoded; complex64 stays interleaved re, im). */
export function hostValues(h: HostArray): Float64Array {
  if (h.dtype === "float16") return Float64Array.from(h.data, float16Value);
  return Float64Array.from(h.data);
}

/** A host array of `dtype` from JS numbers, cast as convert_element_type casts. */
export function hostFromValues(shape: readonly number[], dtype: DType, vals: ArrayLike<number>): HostArray {
  const data = allocHost(dtype, prod(shape));
  if (dtype === "float16") for (let i = 0; i < data.length; i++) data[i] = float16Bits(vals[i]);
  else if (dtype === "complex64" || dtype === "float32" || dtype === "float64") data.set(vals as ArrayLike<number>);
  else for (let i = 0; i < data.length; i++) data[i] = castScalar(vals[i], dtype);
  return { shape, dtype, data };
}

/** Maps a flat output index to the flat index of an operand broadcast to `outShape`. */
export function broadcastIndexer(inShape: readonly number[], outShape: readonly number[]): (i: number) => number {
  if (sameShape(inShape, outShape)) return (i) => i;
  if (prod(inShape) === 1) return () => 0;
  const off = outShape.length - inShape.length;
  const inStrides = stridesOf(inShape);
  const outStrides = stridesOf(outShape);
  return (i) => {
    let j = 0;
    for (let d = 0; d < outShape.length; d++) {
      const c = Math.floor(i / outStrides[d]) % outShape[d];
      const k = d - off;
      if (k >= 0 && inShape[k] !== 1) j += c * inStrides[k];
    }
    return j;
  };
}
