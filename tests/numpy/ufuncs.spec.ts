import * as jax from "../../ts/index.js";
import { numpy as np } from "../../ts/index.js";
import { Array } from "../../ts/core/array.js";
import { F32, expectClose } from "../util/close.js";
import { VALUES } from "../golden/core.js";

const XS = [-2.5, -1, -0.3, 0, 0.4, 1, 2.2, 7.5];
const UNIT = [-0.9, -0.5, -0.1, 0, 0.2, 0.6, 0.95];
const POS = [0.01, 0.3, 1, 2.5, 10, 123];
const f32 = (xs: number[]) => xs.map(Math.fround);

describe("elementwise functions vs float64 references", () => {
  const unary: [string, (x: any) => Array, (x: number) => number, number[]][] = [
    ["exp", np.exp, Math.exp, XS], ["expm1", np.expm1, Math.expm1, XS], ["log", np.log, Math.log, POS],
    ["log1p", np.log1p, Math.log1p, UNIT], ["sqrt", np.sqrt, Math.sqrt, POS], ["rsqrt", np.rsqrt, (x) => 1 / Math.sqrt(x), POS],
    ["sin", np.sin, Math.sin, XS], ["cos", np.cos, Math.cos, XS], ["tan", np.tan, Math.tan, UNIT], ["tanh", np.tanh, Math.tanh, XS],
    ["sinh", np.sinh, Math.sinh, XS], ["cosh", np.cosh, Math.cosh, XS], ["arcsin", np.arcsin, Math.asin, UNIT],
    ["arccos", np.arccos, Math.acos, UNIT], ["arctan", np.arctan, Math.atan, XS], ["abs", np.abs, Math.abs, XS],
    ["sign", np.sign, Math.sign, XS], ["floor", np.floor, Math.floor, XS], ["ceil", np.ceil, Math.ceil, XS],
    ["negative", np.negative, (x) => -x, XS], ["square", np.square, (x) => x * x, XS], ["reciprocal", np.reciprocal, (x) => 1 / x, POS],
  ];
  for (const [name, f, ref, xs] of unary) {
    it(name, () => {
      const out = f(np.array(xs));
      expect(out.dtype).toBe("float32");
      expect(out.shape).toEqual([xs.length]);
      expectClose(out.dataSync(), f32(xs).map(ref), { ...F32, what: name });
    });
  }

  it("binary: arctan2, power, maximum, minimum, logaddexp, divide", () => {
    const ys = [1, -2, 0.5, -0.7, 3, -3, 0, 2];
    const x = np.array(XS), y = np.array(ys);
    const [fx, fy] = [f32(XS), f32(ys)];
    expectClose(np.arctan2(x, y).dataSync(), fx.map((a, i) => Math.atan2(a, fy[i])), F32);
    expectClose(np.maximum(x, y).dataSync(), fx.map((a, i) => Math.max(a, fy[i])), F32);
    expectClose(np.minimum(x, y).dataSync(), fx.map((a, i) => Math.min(a, fy[i])), F32);
    expectClose(np.logaddexp(x, y).dataSync(), fx.map((a, i) => Math.log(Math.exp(a) + Math.exp(fy[i]))), F32);
    expectClose(np.power(np.array(POS), np.array(ys.slice(0, 6))).dataSync(), f32(POS).map((a, i) => a ** fy[i]), { rtol: 1e-5 });
    expectClose(np.divide(x, 4).dataSync(), fx.map((a) => a / 4), F32);
  });

  it("round is half to even; clip and where", () => {
    expect(np.round(np.array([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 2.6])).tolistSync()).toEqual([-2, -2, -0, 0, 2, 2, 3]);
    expect(np.clip(np.array(XS), -1, 1.5).tolistSync()).toEqual(f32([-1, -1, -0.3, 0, 0.4, 1, 1.5, 1.5]));
    expect(np.where(np.array([true, false]), np.array([1, 2]), 9).tolistSync()).toEqual([1, 9]);
  });

  it("isnan / isfinite", () => {
    const x = np.array([NaN, Infinity, -Infinity, 1]);
    expect(np.isnan(x).tolistSync()).toEqual([true, false, false, false]);
    expect(np.isfinite(x).tolistSync()).toEqual([false, false, false, true]);
    expect(np.isfinite(np.arange(2)).tolistSync()).toEqual([true, true]);
  });

  for (const c of VALUES) {
    it(`matches JAX: ${c.expr}`, () => {
      const [x, y] = c.inputs.map((v) => np.array(v));
      const out = c.fn(x, y);
      expect(out.dtype).toBe("float32");
      expectClose(out.dataSync(), c.expected, { rtol: 1e-5, atol: 1e-6, what: c.name });
    });
  }
});

describe("broadcasting and promotion", () => {
  it("broadcasts (2,3) with (3,), (2,1) and scalars", () => {
    const a = np.array([[1, 2, 3], [4, 5, 6]]);
    expect(a.add(np.array([10, 20, 30])).tolistSync()).toEqual([[11, 22, 33], [14, 25, 36]]);
    expect(a.mul(np.array([[1], [2]])).tolistSync()).toEqual([[1, 2, 3], [8, 10, 12]]);
    expect(np.subtract(1, a).tolistSync()).toEqual([[0, -1, -2], [-3, -4, -5]]);
    expect(np.add(np.ones([3, 1, 2]), np.ones([4, 1])).shape).toEqual([3, 4, 2]);
    expect(np.broadcastTo(np.array([1, 2]), [3, 2]).tolistSync()).toEqual([[1, 2], [1, 2], [1, 2]]);
    expect(() => np.broadcastTo(np.ones([3]), [2, 2])).toThrowError(jax.ValueError);
  });

  it("promotes dtypes as JAX does", () => {
    const i = np.arange(3), f = np.ones([3]), b = np.array([true, false, true]);
    expect(i.add(f).dtype).toBe("float32");
    expect(i.div(2).dtype).toBe("float32");
    expect(i.add(b).dtype).toBe("int32");
    expect(b.add(b).dtype).toBe("bool");
    expect(np.ones([2], { dtype: "uint32" }).add(np.ones([2], { dtype: "int32" })).dtype).toBe("int32");
    expect(np.ones([2], { dtype: "float16" }).add(np.ones([2])).dtype).toBe("float32");
    expect(i.lt(1).dtype).toBe("bool");
    expect(np.exp(i).dtype).toBe("float32");
    expect(np.sqrt(b).dtype).toBe("float32");
  });

  it("integer arithmetic wraps and divides as JAX does", () => {
    const big = np.array([2147483647], { dtype: "int32" });
    expect(big.add(1).tolistSync()).toEqual([-2147483648]);
    expect(np.floorDivide(np.array([-7, 7], { dtype: "int32" }), 2).tolistSync()).toEqual([-4, 3]);
    expect(np.remainder(np.array([-7, 7], { dtype: "int32" }), 3).tolistSync()).toEqual([2, 1]);
    expect(np.arange(4).pow(2).tolistSync()).toEqual([0, 1, 4, 9]);
    expect(np.arange(4).pow(2).dtype).toBe("int32");
  });
});

describe("reductions", () => {
  const a = np.array([[1, 5, 3], [4, 2, 6]]);
  it("sum / mean / max / min / prod with axis and keepdims", () => {
    expect(a.sum().tolistSync()).toBe(21);
    expect(a.sum({ axis: 0 }).tolistSync()).toEqual([5, 7, 9]);
    expect(a.sum({ axis: -1, keepdims: true }).tolistSync()).toEqual([[9], [12]]);
    expect(a.sum({ axis: [0, 1], keepdims: true }).shape).toEqual([1, 1]);
    expect(a.mean({ axis: 1 }).tolistSync()).toEqual([3, 4]);
    expect(a.max({ axis: 0 }).tolistSync()).toEqual([4, 5, 6]);
    expect(a.min({ axis: 1, keepdims: true }).tolistSync()).toEqual([[1], [2]]);
    expect(a.prod({ axis: 0 }).tolistSync()).toEqual([4, 10, 18]);
    expect(np.arange(4).sum().dtype).toBe("int32");
    expect(np.arange(4).mean().dtype).toBe("float32");
    expect(np.sum(np.array([true, true, false])).tolistSync()).toBe(2);
  });
  it("argmax / argmin, all / any, var / std, cumsum, logsumexp", () => {
    expect(a.argmax({ axis: 1 }).tolistSync()).toEqual([1, 2]);
    expect(np.argmin(a).tolistSync()).toBe(0);
    expect(np.argmax(a, { axis: 0, keepdims: true }).shape).toEqual([1, 3]);
    expect(np.all(a.gt(0)).tolistSync()).toBeTrue();
    expect(np.any(a.gt(5), { axis: 0 }).tolistSync()).toEqual([false, false, true]);
    expectClose(np.var(a, { axis: 1 }).dataSync(), [8 / 3, 8 / 3], F32);
    expectClose(np.std(a).dataSync(), [Math.sqrt(35 / 12)], F32);
    expect(np.cumsum(a, { axis: 1 }).tolistSync()).toEqual([[1, 6, 9], [4, 6, 12]]);
    expectClose(np.logsumexp(a, { axis: 1 }).dataSync(), [Math.log(Math.exp(1) + Math.exp(5) + Math.exp(3)), Math.log(Math.exp(4) + Math.exp(2) + Math.exp(6))], F32);
    expect(np.logsumexp(a, { keepdims: true }).shape).toEqual([1, 1]);
  });
  it("rejects bad axes", () => {
    expect(() => a.sum({ axis: 2 })).toThrowError(jax.ValueError, /out of bounds/);
  });
});

describe("linear algebra shapes", () => {
  it("matmul / dot / vdot / outer / tensordot", () => {
    const A = np.array([[1, 2, 3], [4, 5, 6]]), v = np.array([1, 0, -1]);
    expect(A.matmul(A.T).tolistSync()).toEqual([[14, 32], [32, 77]]);
    expect(A.matmul(v).tolistSync()).toEqual([-2, -2]);
    expect(np.matmul(np.array([1, 1]), A).tolistSync()).toEqual([5, 7, 9]);
    expect(np.matmul(v, v).tolistSync()).toBe(2);
    expect(np.matmul(np.ones([5, 2, 3]), np.ones([3, 4])).shape).toEqual([5, 2, 4]);
    expect(np.matmul(np.ones([5, 1, 2, 3]), np.ones([4, 3, 2])).shape).toEqual([5, 4, 2, 2]);
    expect(np.matmul(np.ones([5, 2, 3]), np.ones([3])).shape).toEqual([5, 2]);
    expect(np.dot(A, v).tolistSync()).toEqual([-2, -2]);
    expect(np.dot(np.ones([2, 3, 4]), np.ones([4, 5])).shape).toEqual([2, 3, 5]);
    expect(np.dot(A, 2).tolistSync()).toEqual([[2, 4, 6], [8, 10, 12]]);
    expect(np.vdot(v, v).tolistSync()).toBe(2);
    expect(np.outer(np.array([1, 2]), v).tolistSync()).toEqual([[1, 0, -1], [2, 0, -2]]);
    expect(np.tensordot(np.ones([2, 3, 4]), np.ones([3, 4, 5])).shape).toEqual([2, 5]);
    expect(np.tensordot(np.ones([2, 3]), np.ones([3, 2]), 1).shape).toEqual([2, 2]);
    expect(np.tensordot(np.ones([2, 3]), np.ones([2, 3]), [[0, 1], [0, 1]]).tolistSync()).toBe(6);
    expect(np.matmul(np.arange(4).reshape([2, 2]), np.arange(2)).dtype).toBe("int32");
    expect(() => np.matmul(np.ones([2, 3]), np.ones([2]))).toThrowError(jax.ValueError, /\(2, 3\)/);
  });
});

describe("creation", () => {
  it("zeros / ones / full / arange / linspace / eye / *Like", () => {
    expect(np.zeros([2, 2]).tolistSync()).toEqual([[0, 0], [0, 0]]);
    expect(np.ones(3, { dtype: "int32" }).dtype).toBe("int32");
    expect(np.full([2], 7).tolistSync()).toEqual([7, 7]);
    expect(np.full([2], true).dtype).toBe("bool");
    expect(np.arange(2, 8, 2).tolistSync()).toEqual([2, 4, 6]);
    expect(np.arange(5, 0, -2).tolistSync()).toEqual([5, 3, 1]);
    expect(np.arange(0, 1, 0.25).tolistSync()).toEqual([0, 0.25, 0.5, 0.75]);
    expect(np.linspace(0, 1, 5).tolistSync()).toEqual([0, 0.25, 0.5, 0.75, 1]);
    expect(np.linspace(0, 1, 4, { endpoint: false }).tolistSync()).toEqual([0, 0.25, 0.5, 0.75]);
    expect(np.eye(2, 3, { k: 1 }).tolistSync()).toEqual([[0, 1, 0], [0, 0, 1]]);
    expect(np.zerosLike(np.arange(3)).tolistSync()).toEqual([0, 0, 0]);
    expect(np.zerosLike(np.arange(3)).dtype).toBe("int32");
    expect(np.onesLike(np.ones([2]), { dtype: "bool" }).tolistSync()).toEqual([true, true]);
    expect(Boolean(np.allclose(np.array([1, 2]), np.array([1, 2.000001])))).toBeTrue();
    expect(Boolean(np.allclose(np.array([1, 2]), np.array([1, 2.1])))).toBeFalse();
    expect(() => np.zeros([-1])).toThrowError(jax.ValueError);
  });
  it("shape ops", () => {
    const a = np.arange(6).reshape([2, 3]);
    expect(np.reshape(a, [-1]).shape).toEqual([6]);
    expect(np.transpose(a).shape).toEqual([3, 2]);
    expect(np.expandDims(a, -1).shape).toEqual([2, 3, 1]);
    expect(np.expandDims(a, [0, 2]).shape).toEqual([1, 2, 1, 3]);
    expect(np.squeeze(np.ones([1, 3, 1])).shape).toEqual([3]);
    expect(np.swapaxes(np.ones([2, 3, 4]), 0, 2).shape).toEqual([4, 3, 2]);
    expect(np.moveaxis(np.ones([2, 3, 4]), 0, -1).shape).toEqual([3, 4, 2]);
    expect(() => np.squeeze(np.ones([2, 3]), { axis: 0 })).toThrowError(jax.ValueError);
    expect(() => a.reshape([4, 2])).toThrowError(TypeError, /cannot reshape/);
  });
});
