// Bit-level primitives behind jax.random: the Threefry-2x32 block cipher and bitcasts.

import { ShapedArray, broadcastShapes, prod } from "../core/aval.js";
import { DType, itemsize } from "../core/dtype.js";
import { shapeStr } from "../core/errors.js";
import { HostArray, broadcastIndexer } from "../core/host.js";
import { Primitive } from "../core/primitive.js";
import { bind, bind1 } from "../core/trace.js";
import { bdimToFront } from "../transforms/batch_util.js";
import { reshape } from "./layout.js";

const ROTATIONS = [[13, 15, 26, 6], [17, 29, 16, 24]];

/** Threefry-2x32 with 20 rounds (Salmon et al.), exactly as jax's `_threefry2x32_lowering`. */
export function threefry2x32Block(k0: number, k1: number, x0: number, x1: number): [number, number] {
  const ks = [k0 >>> 0, k1 >>> 0, (k0 ^ k1 ^ 0x1bd11bda) >>> 0];
  let a = (x0 + ks[0]) >>> 0, b = (x1 + ks[1]) >>> 0;
  for (let i = 0; i < 5; i++) {
    for (const r of ROTATIONS[i % 2]) {
      a = (a + b) >>> 0;
      b = ((b << r) | (b >>> (32 - r))) >>> 0;
      b = (b ^ a) >>> 0;
    }
    a = (a + ks[(i + 1) % 3]) >>> 0;
    b = (b + ks[(i + 2) % 3] + i + 1) >>> 0;
  }
  return [a, b];
}

/** threefry2x32(k1, k2, x1, x2) -> (y1, y2): all uint32, keys broadcast against the counts. */
export const threefry2x32: Primitive = new Primitive("threefry2x32", {
  abstractEval(avals) {
    if (avals.some((a) => a.dtype !== "uint32")) throw new TypeError(`threefry2x32 requires uint32 arguments, got ${avals.map((a) => a.dtype).join(", ")}.`);
    let shape: number[];
    try {
      shape = broadcastShapes(...avals.map((a) => a.shape));
    } catch {
      throw new TypeError(`threefry2x32 operands must broadcast: ${avals.map((a) => shapeStr(a.shape)).join(", ")}.`);
    }
    return [new ShapedArray(shape, "uint32"), new ShapedArray(shape, "uint32")];
  },
  cpu(ins) {
    const shape = broadcastShapes(...ins.map((h) => h.shape));
    const idx = ins.map((h) => broadcastIndexer(h.shape, shape));
    const n = prod(shape);
    const y0 = new Uint32Array(n), y1 = new Uint32Array(n);
    for (let i = 0; i < n; i++) {
      const [a, b, c, d] = ins.map((h, k) => h.data[idx[k](i)]);
      [y0[i], y1[i]] = threefry2x32Block(a, b, c, d);
    }
    return [{ shape, dtype: "uint32", data: y0 }, { shape, dtype: "uint32", data: y1 }];
  },
  // Integer in, integer out: never differentiated (the rule completes the table).
  jvp: (xs) => [bind(threefry2x32, xs), [null, null]],
  // Mapped operands get the mapped axis in front and 1s up to the rank of the broadcast
  // shape; unmapped ones broadcast (right-aligned) as they are.
  batch(xs, dims, _, { size }) {
    const logical = xs.map((x, i) => (dims[i] === null ? x.shape : x.shape.filter((_, a) => a !== dims[i])));
    const rank = broadcastShapes(...logical).length;
    const args = xs.map((x, i) => {
      if (dims[i] === null) return x;
      const ones = new globalThis.Array<number>(rank - logical[i].length).fill(1);
      return bind1(reshape, [bdimToFront(x, dims[i], size)], { new_sizes: [size, ...ones, ...logical[i]], dimensions: null, sharding: null });
    });
    return [bind(threefry2x32, args), [0, 0]];
  },
}, true);

/** Reinterprets the bits of each element as another dtype of the same width. */
export const bitcastConvertType: Primitive<{ new_dtype: DType }> = new Primitive<{ new_dtype: DType }>("bitcast_convert_type", {
  abstractEval([x], { new_dtype }) {
    if (itemsize(x.dtype) !== itemsize(new_dtype) || x.dtype === "complex64" || new_dtype === "complex64" || x.dtype === "bool" || new_dtype === "bool") {
      throw new TypeError(`bitcast_convert_type from ${x.dtype} to ${new_dtype} is not supported (the widths must match).`);
    }
    return [new ShapedArray(x.shape, new_dtype)];
  },
  cpu([x], { new_dtype }): HostArray[] {
    const buf = x.data.slice();
    const view = { int32: Int32Array, uint32: Uint32Array, float32: Float32Array, float16: Uint16Array, float64: Float64Array }[new_dtype as "int32"];
    return [{ shape: x.shape, dtype: new_dtype, data: new view(buf.buffer, buf.byteOffset, buf.length) }];
  },
  // Reinterpreting bits is not differentiable: its tangent is zero, as in JAX.
  jvp: ([x], _, p) => [[bind1(bitcastConvertType, [x], p)], [null]],
  batch: ([x], [d], p) => [[bind1(bitcastConvertType, [x], p)], [d]],
});
