// x.slice(...) / x.at(...): NumPy indexing rules, checked against a float64 JS reference.

import { jit, makeJaxpr, numpy as np, Array } from "../../ts/index.js";

const arr = (x: Array) => x.tolistSync();
const i32 = (v: number[] | number[][]) => np.array(v, { dtype: "int32" });

/** Python's range(start, stop, step) after slice.indices(n): the reference for slices. */
function pySlice(n: number, start: number | null, stop: number | null, step = 1): number[] {
  const clampIdx = (v: number, lo: number, hi: number) => Math.min(Math.max(v < 0 ? v + n : v, lo), hi);
  const s = start === null ? (step > 0 ? 0 : n - 1) : step > 0 ? clampIdx(start, 0, n) : clampIdx(start, -1, n - 1);
  const e = stop === null ? (step > 0 ? n : -1) : step > 0 ? clampIdx(stop, 0, n) : clampIdx(stop, -1, n - 1);
  const out: number[] = [];
  for (let i = s; step > 0 ? i < e : i > e; i += step) out.push(i);
  return out;
}

describe("indexing: x.slice", () => {
  const x = np.arange(12).reshape([3, 4]);
  const ref = (r: number, c: number) => r * 4 + c;

  it("numbers drop axes; negatives count from the end", () => {
    expect(arr(x.slice(1))).toEqual([4, 5, 6, 7]);
    expect(arr(x.slice(-1, -2))).toBe(10);
    expect(arr(x.slice(null, 0))).toEqual([0, 4, 8]);
  });

  it("[start, stop, step] follows Python's slice rules (property check)", () => {
    const bounds = [null, -7, -4, -1, 0, 1, 2, 3, 4, 9];
    for (const start of bounds) for (const stop of bounds) for (const step of [1, 2, 3, -1, -2]) {
      const cols = pySlice(4, start, stop, step);
      const got = x.slice(null, [start, stop, step]);
      expect(got.shape).withContext(`[${start}:${stop}:${step}]`).toEqual([3, cols.length]);
      expect(arr(got)).withContext(`[${start}:${stop}:${step}]`).toEqual([0, 1, 2].map((r) => cols.map((c) => ref(r, c))));
    }
  });

  it("stages slice/squeeze/rev as JAX does", () => {
    expect(String(makeJaxpr((a: Array) => a.slice(0))(x.astype("float32")))).toBe(
      "{ lambda ; a:f32[3,4]. let\n    b:f32[1,4] = slice[limit_indices=(1, 4) start_indices=(0, 0) strides=None] a\n    c:f32[4] = squeeze[dimensions=(0,)] b\n  in (c,) }");
    expect(String(makeJaxpr((a: Array) => a.slice([1, 3], [null, null, 2]))(x))).toContain("strides=(1, 2)");
    expect(String(makeJaxpr((a: Array) => a.slice([null, null, -1]))(x))).toContain("rev[dimensions=(0,)]");
  });

  it("integer Arrays gather (with broadcasting and NumPy's axis placement)", () => {
    expect(arr(x.slice(i32([2, 0, -1])))).toEqual([[8, 9, 10, 11], [0, 1, 2, 3], [8, 9, 10, 11]]);
    expect(arr(x.slice(null, i32([3, 0])))).toEqual([[3, 0], [7, 4], [11, 8]]);
    expect(arr(x.slice(i32([0, 2]), i32([1, 3])))).toEqual([1, 11]);
    expect(arr(x.slice(i32([[0], [2]]), i32([1, 3])))).toEqual([[1, 3], [9, 11]]);
    expect(arr(x.slice(1, i32([0, 3])))).toEqual([4, 7]);
    const y = np.arange(24).reshape([2, 3, 4]);
    // Non-adjacent advanced indices put the broadcast dims first.
    expect(y.slice(i32([0, 1]), null, i32([1, 2])).shape).toEqual([2, 3]);
    expect(y.slice(null, i32([[0, 1]])).shape).toEqual([2, 1, 2, 4]);
    expect(arr(y.slice(null, i32([2]), [1, 3]))).toEqual([[[9, 10]], [[21, 22]]]);
  });

  it("out-of-range: JS numbers throw IndexError; Array indices clamp (also under jit)", () => {
    expect(() => x.slice(3)).toThrowMatching((e: Error) => e.name === "IndexError" && /index 3 is out of bounds for axis 0 with size 3/.test(e.message));
    expect(() => x.slice(0, -5)).toThrowMatching((e: Error) => e.name === "IndexError" && /axis 1 with size 4/.test(e.message));
    expect(() => x.slice(0, 0, 0)).toThrowMatching((e: Error) => e.name === "IndexError");
    expect(arr(np.arange(3).slice(i32([-4, 5])))).toEqual([0, 2]);
    const f = jit((a: Array, i: Array) => a.slice(i));
    expect(arr(f(np.arange(3), i32([7, -1])))).toEqual([2, 2]);
    expect(() => x.slice(np.array([true, false, true]))).toThrowError(TypeError, /np.where/);
  });

  it("arrays iterate over their leading axis", () => {
    const rows = [...x].map(arr);
    expect(rows).toEqual([[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 10, 11]]);
  });
});

describe("indexing: x.at", () => {
  const x = np.zeros([3, 4]);

  it("set / add / mul / min / max / get", () => {
    expect(arr(x.at(1).set(5))).toEqual([[0, 0, 0, 0], [5, 5, 5, 5], [0, 0, 0, 0]]);
    expect(arr(x.at(null, [1, null, 2]).add(np.array([1, 2])))).toEqual([[0, 1, 0, 2], [0, 1, 0, 2], [0, 1, 0, 2]]);
    expect(arr(np.arange(4).at(i32([0, 0, 3])).add(10))).toEqual([20, 1, 2, 13]); // duplicates accumulate
    expect(arr(np.arange(4).at([1, 3]).mul(3))).toEqual([0, 3, 6, 3]);
    expect(arr(np.arange(4).at(i32([0, 3])).min(np.array([-1, 5], { dtype: "int32" })))).toEqual([-1, 1, 2, 3]);
    expect(arr(np.arange(4).at(-1).max(9))).toEqual([0, 1, 2, 9]);
    expect(arr(np.arange(4).at([null, null, -1]).get())).toEqual([3, 2, 1, 0]);
    expect(arr(x.at(2, 3).set(1)).flat()).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
  });

  it("keeps the operand's dtype; out-of-range Array indices are dropped (as JAX's scatter)", () => {
    const i = np.arange(3);
    expect(i.at(0).set(2.7).dtype).toBe("int32");
    expect(arr(np.arange(3).astype("float32").at(i32([-4, 5, 1])).set(9))).toEqual([0, 9, 2]);
    expect(() => np.arange(3).at(3).set(0)).toThrowMatching((e: Error) => e.name === "IndexError");
  });

  it("works under jit with traced values and indices", () => {
    const f = jit((a: Array, i: Array, v: Array) => a.at(i).add(v));
    expect(arr(f(np.zeros([3]), i32([2, 2]), np.array([1, 2])))).toEqual([0, 0, 3]);
  });
});
