// lax wrappers: each binds one primitive; checked against hand-computed values and JAX's jaxprs.

import { lax, makeJaxpr, numpy as np, Array } from "../../ts/index.js";

const arr = (x: Array) => x.tolistSync();

describe("lax", () => {
  const x = np.arange(12).reshape([3, 4]).astype("float32");

  it("elementwise ops with weak JS scalars keep the array dtype", () => {
    const i = np.arange(4);
    expect(lax.add(i, 2).dtype).toBe("int32");
    expect(arr(lax.mul(i, 3))).toEqual([0, 3, 6, 9]);
    expect(arr(lax.sub(10, i))).toEqual([10, 9, 8, 7]);
    expect(arr(lax.div(np.array([7, -7], { dtype: "int32" }), 2))).toEqual([3, -3]);
    expect(arr(lax.max(np.array([1, 5]), np.array([4, 2])))).toEqual([4, 5]);
    expect(arr(lax.exp(np.array([0])))).toEqual([1]);
    expect(() => lax.add(np.ones([2]), np.ones([3]))).toThrowError(/\(2,\).*\(3,\)/);
    expect(String(makeJaxpr((a: Array) => lax.add(a, 2))(np.ones([2])))).toContain("add a 2.0:f32[]");
  });

  it("slice with and without strides prints like JAX", () => {
    expect(arr(lax.slice(x, [0, 1], [2, 4]))).toEqual([[1, 2, 3], [5, 6, 7]]);
    expect(arr(lax.slice(x, [0, 0], [3, 4], [2, 3]))).toEqual([[0, 3], [8, 11]]);
    expect(String(makeJaxpr((a: Array) => lax.slice(a, [0, 0], [1, 3]))(x))).toContain(
      "slice[limit_indices=(1, 3) start_indices=(0, 0) strides=None] a");
    expect(() => lax.slice(x, [0, 0], [4, 4])).toThrowError(TypeError, /limit_indices.*\(3, 4\)/s);
  });

  it("dynamicSlice / dynamicUpdateSlice clamp their starts like XLA", () => {
    expect(arr(lax.dynamicSlice(x, [1, 2], [2, 2]))).toEqual([[6, 7], [10, 11]]);
    expect(arr(lax.dynamicSlice(x, [5, -3], [2, 2]))).toEqual([[4, 5], [8, 9]]);
    expect(arr(lax.dynamicSlice(np.arange(5), [np.array(3, { dtype: "int32" })], [3]))).toEqual([2, 3, 4]);
    expect(arr(lax.dynamicUpdateSlice(np.zeros([4]), np.ones([2]), [3]))).toEqual([0, 0, 1, 1]);
    expect(arr(lax.dynamicUpdateSlice(np.zeros([2, 3]), np.ones([1, 2]), [1, 0]))).toEqual([[0, 0, 0], [1, 1, 0]]);
  });

  it("concatenate / pad (negative and interior) / rev", () => {
    expect(arr(lax.concatenate([np.array([1, 2]), np.array([3])], 0))).toEqual([1, 2, 3]);
    expect(() => lax.concatenate([np.ones([2, 2]), np.ones([3, 3])], 0)).toThrowError(TypeError, /\(2, 2\).*\(3, 3\)/);
    expect(arr(lax.pad(np.array([1, 2, 3]), 0, [[1, 2, 1]]))).toEqual([0, 1, 0, 2, 0, 3, 0, 0]);
    expect(arr(lax.pad(np.array([1, 2, 3, 4]), -1, [[-1, 1, 0]]))).toEqual([2, 3, 4, -1]);
    expect(arr(lax.rev(x, [0, 1]))).toEqual([[11, 10, 9, 8], [7, 6, 5, 4], [3, 2, 1, 0]]);
  });

  it("dotGeneral with batch dims, preferredElementType", () => {
    const a = np.arange(12).reshape([2, 2, 3]).astype("float32");
    const b = np.arange(6).reshape([2, 3]).astype("float32");
    const out = lax.dotGeneral(a, b, [[[2], [1]], [[0], [0]]]);
    // out[b, i] = sum_k a[b, i, k] * b[b, k]
    expect(arr(out)).toEqual([[0 * 0 + 1 * 1 + 2 * 2, 3 * 0 + 4 * 1 + 5 * 2], [6 * 3 + 7 * 4 + 8 * 5, 9 * 3 + 10 * 4 + 11 * 5]]);
    expect(lax.dotGeneral(np.ones([2, 2], { dtype: "int32" }), np.ones([2, 2], { dtype: "int32" }), [[[1], [0]], [[], []]], { preferredElementType: "float32" }).dtype).toBe("float32");
  });

  it("layout ops: broadcastInDim, reshape, transpose, squeeze, expandDims, convertElementType, iota", () => {
    expect(lax.broadcastInDim(np.array([1, 2]), [3, 2], [1]).shape).toEqual([3, 2]);
    expect(lax.reshape(x, [4, 3]).shape).toEqual([4, 3]);
    expect(lax.transpose(x, [1, 0]).shape).toEqual([4, 3]);
    expect(lax.squeeze(np.ones([1, 3, 1]), [0, 2]).shape).toEqual([3]);
    expect(lax.expandDims(np.ones([3]), [0, 2]).shape).toEqual([1, 3, 1]);
    expect(lax.convertElementType(np.array([1.7, -1.7]), "int32").tolistSync()).toEqual([1, -1]);
    expect(arr(lax.iota("int32", 4))).toEqual([0, 1, 2, 3]);
    expect(arr(lax.broadcastedIota("int32", [2, 2], 1))).toEqual([[0, 1], [0, 1]]);
  });

  it("select / clamp / complex", () => {
    expect(arr(lax.select(np.array([true, false]), np.array([1, 2]), np.array([3, 4])))).toEqual([1, 4]);
    expect(arr(lax.clamp(0, np.array([-1, 0.5, 2]), 1))).toEqual([0, 0.5, 1]);
    const c = lax.complex(np.array([1]), np.array([2]));
    expect(c.dtype).toBe("complex64");
    expect(c.tolistSync()).toEqual([[1, 2]]);
  });

  it("reductions, arg reductions, cumulative ops, sort", () => {
    expect(arr(lax.reduceSum(x, [1]))).toEqual([6, 22, 38]);
    expect(arr(lax.reduceMax(x, [0]))).toEqual([8, 9, 10, 11]);
    expect(arr(lax.argmax(np.array([[1, 5, 2], [7, 0, 7]]), 1))).toEqual([1, 0]);
    expect(arr(lax.cumsum(np.array([1, 2, 3]), { reverse: true }))).toEqual([6, 5, 3]);
    expect(arr(lax.sort(np.array([3, NaN, -1, 2])))).toEqual([-1, 2, 3, NaN]);
    const [k, v] = lax.sortKeyVal(np.array([2, 1, 2, 0]), np.array([0, 1, 2, 3]));
    expect(arr(k)).toEqual([0, 1, 2, 2]);
    expect(arr(v)).toEqual([3, 1, 0, 2]); // stable
  });
});
