// The numpy habits a new user brings: positional axes and dtypes as JAX takes them, and the
// mistakes (misspelt options, surplus arguments, a shape given as several numbers) as TypeErrors
// with JAX's words, never silent wrong answers. References are computed here in plain JS.

import * as jax from "../../ts/index.js";
import { lax, numpy as np, random, tree } from "../../ts/index.js";
import { Array } from "../../ts/core/array.js";
import { caught } from "../util/caught.js";

// A 3x4 matrix with distinct entries, and its row-major values.
const V = [[3, -1, 4, 1], [5, 9, -2, 6], [5, 3, 5, -8]];
const x = () => np.array(V);
const col = (j: number) => V.map((r) => r[j]);
const sumOf = (a: number[]) => a.reduce((s, v) => s + v, 0);
const argmaxOf = (a: number[]) => a.indexOf(Math.max(...a));


describe("numpy habits", () => {
  it("reductions take the axis positionally, as functions and as methods", () => {
    const colSums = [0, 1, 2, 3].map((j) => sumOf(col(j)));
    const rowMeans = V.map((r) => sumOf(r) / 4);
    expect(np.sum(x(), 0).tolistSync()).toEqual(colSums);
    expect(x().sum(0).tolistSync()).toEqual(colSums);
    expect(x().sum(-2).tolistSync()).toEqual(colSums);
    expect(np.mean(x(), 1).tolistSync()).toEqual(rowMeans);
    expect(x().mean(1).tolistSync()).toEqual(rowMeans);
    expect(np.argmax(x(), -1).tolistSync()).toEqual(V.map(argmaxOf));
    expect(x().argmax(-1).tolistSync()).toEqual(V.map(argmaxOf));
    expect(np.max(x(), 0).tolistSync()).toEqual([0, 1, 2, 3].map((j) => Math.max(...col(j))));
    expect(x().min(1).tolistSync()).toEqual(V.map((r) => Math.min(...r)));
    expect(x().prod(1).tolistSync()).toEqual(V.map((r) => r.reduce((p, v) => p * v, 1)));
    expect(np.cumsum(x(), 1).tolistSync()).toEqual(V.map((r) => r.map((_, i) => sumOf(r.slice(0, i + 1)))));
    expect(np.all(x().gt(-9), 0).tolistSync()).toEqual([true, true, true, true]);
    expect(np.any(x().lt(0), 1).tolistSync()).toEqual([true, true, true]);
    expect(np.sum(x(), [0, 1]).item()).toBe(sumOf(V.flat()));
    // The positional axis with options after it, and the old options form, agree.
    expect(np.sum(x(), 1, { keepdims: true }).shape).toEqual([3, 1]);
    expect(x().sum({ axis: 0 }).tolistSync()).toEqual(colSums);
    expect(np.sum(x(), null).item()).toBe(sumOf(V.flat()));
  });

  it("variance and std take the axis positionally and ddof as an option", () => {
    const c = col(2), m = sumOf(c) / 3;
    const v1 = sumOf(c.map((t) => (t - m) ** 2)) / 2;
    expect(np.var(x(), 0, { ddof: 1 }).tolistSync()[2]).toBeCloseTo(v1, 5);
    expect(np.std(x(), 0, { ddof: 1 }).tolistSync()[2]).toBeCloseTo(Math.sqrt(v1), 5);
  });

  it("creation functions take the dtype positionally (JAX's order)", () => {
    expect(np.zeros([2], "float64").dtype).toBe("float64");
    expect(np.ones([2, 1], np.int32).dtype).toBe("int32");
    expect(np.full([2], 7, "int32").tolistSync()).toEqual([7, 7]);
    expect(np.full([2], 7, "int32").dtype).toBe("int32");
    expect(np.array([1.7, -2.5], "int32").tolistSync()).toEqual([1, -2]);
    expect(np.asarray([1, 0], "bool").tolistSync()).toEqual([true, false]);
    expect(np.zerosLike(x(), "int32").dtype).toBe("int32");
    expect(np.eye(3, 4, 1, "int32").tolistSync()).toEqual([[0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]]);
    expect(np.arange(0, 4, 2, "float32").tolistSync()).toEqual([0, 2]);
    expect(np.arange(0, 4, 2, "float32").dtype).toBe("float32");
    expect(np.linspace(0, 1, 5, false).tolistSync()).toEqual([0, 0.2, 0.4, 0.6, 0.8].map(Math.fround));
    expect(x().astype("int32").dtype).toBe("int32");
    expect(np.astype(x(), "float64").dtype).toBe("float64");
    expect(random.uniform(random.key(0), [3], "float32").tolistSync()).toEqual(random.uniform(random.key(0), [3]).tolistSync());
  });

  it("linalg.norm takes ord (and axis, keepdims) positionally", () => {
    const l1cols = [0, 1, 2, 3].map((j) => sumOf(col(j).map(Math.abs)));
    expect(np.linalg.norm(x(), 1)).toBeDefined();
    expect(np.linalg.norm(x(), 1).item()).toBe(Math.max(...l1cols)); // matrix 1-norm: largest column sum
    expect(np.linalg.norm(x(), 1, 0).tolistSync()).toEqual(l1cols);
    expect(np.linalg.norm(x(), Infinity, 1, true).shape).toEqual([3, 1]);
    expect(np.linalg.norm(x(), null, 1).tolistSync()).toEqual(V.map((r) => Math.fround(Math.sqrt(sumOf(r.map((t) => t * t))))));
  });

  it("the other axis-taking functions take it positionally", () => {
    expect(np.squeeze(np.ones([1, 3, 1]), 0).shape).toEqual([3, 1]);
    expect(np.concatenate([x(), x()], 1).shape).toEqual([3, 8]);
    expect(np.stack([x(), x()], -1).shape).toEqual([3, 4, 2]);
    expect(np.split(x(), 2, 1).map((a) => a.tolistSync())).toEqual([V.map((r) => r.slice(0, 2)), V.map((r) => r.slice(2))]);
    expect(np.take(x(), np.array([3, 0], "int32"), 1).tolistSync()).toEqual(V.map((r) => [r[3], r[0]]));
    expect(np.flip(x(), 0).tolistSync()).toEqual([...V].reverse());
    expect(np.repeat(np.array([1, 2]), 2, 0).tolistSync()).toEqual([1, 1, 2, 2]);
    expect(lax.cumsum(np.array([[1, 2], [3, 4]]), 1).tolistSync()).toEqual([[1, 3], [3, 7]]);
    expect(lax.cumsum(np.array([1, 2, 3]), 0, true).tolistSync()).toEqual([6, 5, 3]);
    expect(lax.sort(np.array([[3, 1], [2, 4]]), 0).tolistSync()).toEqual([[2, 1], [3, 4]]);
    expect(np.isclose(np.array([1, 2]), np.array([1.05, 2]), 0.1).tolistSync()).toEqual([true, true]);
    expect(np.isclose(np.array([1, 2]), np.array([1.05, 2])).tolistSync()).toEqual([false, true]);
    expect(np.clip(np.array([-2, 0.5, 3]), 0, 1).tolistSync()).toEqual([0, 0.5, 1]);
    expect(np.clip(np.array([-2, 0.5, 3]), { max: 1 }).tolistSync()).toEqual([-2, 0.5, 1]);
    expect(np.clip(np.array([-2, 0.5, 3]), null, 1).tolistSync()).toEqual([-2, 0.5, 1]);
  });

  it("reshape and transpose: one JS array for the np functions; JAX's varargs for the methods", () => {
    expect(x().reshape(4, 3).tolistSync()).toEqual([[3, -1, 4], [1, 5, 9], [-2, 6, 5], [3, 5, -8]]);
    expect(x().reshape([2, -1]).shape).toEqual([2, 6]);
    expect(x().transpose(1, 0).tolistSync()).toEqual([0, 1, 2, 3].map(col));
    expect(np.reshape(x(), [6, 2]).shape).toEqual([6, 2]);
    const e = caught(() => (np.reshape as any)(x(), 4, 3));
    expect(e).toBeInstanceOf(TypeError);
    expect(e.message).toBe("np.reshape() takes 2 positional arguments but 3 were given; it is called as np.reshape(a, shape). A shape is one argument, a JS array: [4, 3].");
  });

  it("reshape's errors are JAX's", () => {
    expect(() => x().reshape([-1, -1])).toThrowError(TypeError, "can only specify one unknown axis size with a `-1` value, got (-1, -1)");
    expect(() => x().reshape([5, -1])).toThrowError(TypeError,
      "cannot reshape array of shape (3, 4) (size 12) into shape (5, -1) because the product of specified axis sizes (5) does not evenly divide 12");
    expect(() => x().reshape([5, 3])).toThrowError(TypeError, "cannot reshape array of shape (3, 4) (size 12) into shape (5, 3) (size 15)");
    expect(() => x().reshape([-2, 6])).toThrowError(TypeError, "cannot reshape array of shape (3, 4) (size 12) into shape (-2, 6) (size -12)");
  });

  it("a misspelt option is a TypeError naming the accepted ones (Python's unexpected keyword argument)", () => {
    expect(() => np.sum(x(), { axes: 0 } as any)).toThrowError(TypeError,
      "np.sum() got an unexpected keyword argument 'axes' (did you mean 'axis'?); accepted options: axis, keepdims.");
    expect(() => np.sum(x(), { axis: 0, keep_dims: true } as any)).toThrowError(TypeError, /unexpected keyword argument 'keep_dims' \(did you mean 'keepdims'\?\)/);
    expect(() => x().mean({ axsi: 1 } as any)).toThrowError(TypeError, /^x\.mean\(\) got an unexpected keyword argument 'axsi'/);
    expect(() => (np.sin as any)(x(), {})).toThrowError(TypeError, "np.sin() takes no options object; it is called as np.sin(x).");
    expect(() => jax.grad((w: Array) => w.sum(), { hasAx: true } as any)).toThrowError(TypeError, /jax\.grad\(\) got an unexpected keyword argument 'hasAx' \(did you mean 'hasAux'\?\)/);
    expect(() => jax.jit((w: Array) => w, { static_argnums: 0 } as any)).toThrowError(TypeError, /'static_argnums' \(did you mean 'staticArgnums'\?\)/);
  });

  it("surplus, missing and doubly given arguments are TypeErrors with Python's words", () => {
    expect(() => (np.sin as any)(x(), 3)).toThrowError(TypeError, "np.sin() takes 1 positional argument but 2 were given; it is called as np.sin(x).");
    expect(() => (np.add as any)(x())).toThrowError(TypeError, "np.add() missing 1 required positional argument: 'y'; it is called as np.add(x, y).");
    expect(() => np.sum(x(), 0, { axis: 1 } as any)).toThrowError(TypeError, "np.sum() got multiple values for argument 'axis'.");
    expect(() => (x().sum as any)(0, 1)).toThrowError(TypeError, /^x\.sum\(\) takes from 0 to 1 positional arguments but 2 were given/);
    expect(() => np.sum(x(), 0.5)).toThrowError(TypeError, "np.sum(): 'axis' must be an int, a JS array of ints, or null; got 0.5.");
  });

  it("a shape given as several numbers is JAX's TypeError", () => {
    const e = caught(() => (np.zeros as any)(3, 4));
    expect(e).toBeInstanceOf(TypeError);
    expect(e.message).toBe("Cannot interpret '4' as a data type.\n\nDid you accidentally write `np.zeros(3, 4)` when you meant `np.zeros([3, 4])`, i.e. with a single JS array argument for the shape?");
    expect(() => (np.ones as any)(3, 4)).toThrowError(TypeError, /np\.ones\(\[3, 4\]\)/);
    expect(() => (x().astype as any)(4)).toThrowError(TypeError, /cannot interpret 4 as a data type/);
  });

  it("transformations take JAX's positional parameters too", () => {
    const f = (a: Array, b: Array) => a.mul(b).sum();
    const a = np.array([1, 2]), b = np.array([3, 5]);
    expect(jax.grad(f, 1)(a, b).tolistSync()).toEqual([1, 2]);
    expect(jax.grad(f, [0, 1])(a, b).map((g) => g.tolistSync())).toEqual([[3, 5], [1, 2]]);
    const [v, g] = jax.valueAndGrad(f, 0)(a, b);
    expect([v.item(), g.tolistSync()]).toEqual([13, [3, 5]]);
    expect(jax.vmap((p: Array, q: Array) => p.mul(q), [null, 0])(a, np.array([[1, 1], [2, 3]])).tolistSync()).toEqual([[1, 2], [2, 6]]);
    expect(jax.vmap((p: Array) => p.sum(), 1)(np.array([[1, 2], [3, 4]])).tolistSync()).toEqual([4, 6]);
    const [c, ys] = lax.scan((carry: Array, _x: null) => [carry.add(1), carry], np.array(0), null, 3);
    expect([c.item(), ys.tolistSync()]).toEqual([3, [0, 1, 2]]);
  });

  it("trailing objects that are data are not options", () => {
    const d = { p: np.array([1, 2]), q: np.array([10, 20]) };
    expect(lax.cond(true, (o: typeof d) => o.p.add(o.q), (o: typeof d) => o.p, d).tolistSync()).toEqual([11, 22]);
    expect(tree.map((l: any) => l.mul(2), d).q.tolistSync()).toEqual([20, 40]);
    expect(tree.map((l: any, r: any) => l.add(r), d, d).p.tolistSync()).toEqual([2, 4]);
    const [out, pull] = jax.vjp((o: typeof d) => o.p.mul(o.q).sum(), d);
    expect(out.item()).toBe(50);
    expect(pull(np.array(1))[0].p.tolistSync()).toEqual([10, 20]);
    const [, ys] = lax.scan((c: Array, xs: typeof d) => [c, xs.p.add(xs.q)], np.array(0), d);
    expect(ys.tolistSync()).toEqual([11, 22]);
    expect(lax.foriLoop(0, 2, (_i, o) => ({ p: o.p.add(1), q: o.q }), d).p.tolistSync()).toEqual([3, 4]);
    expect(lax.whileLoop((o) => o.p.sum().lt(10), (o) => ({ p: o.p.mul(2), q: o.q }), d).p.tolistSync()).toEqual([4, 8]);
    const y = jax.pureCallback((o: any) => o.p.add(o.q), jax.ShapeDtypeStruct([2], "float32"), d);
    expect(y.tolistSync()).toEqual([11, 22]);
  });

  it("item() is typed by dtype where the API knows it", () => {
    const flag: boolean = np.array(3).gt(0).item();
    const all: boolean = np.all(x().gt(-9)).item();
    const index: number = np.argmax(x()).item();
    const count: number = np.array(7.9).astype("int32").item();
    const anything: number | boolean | [number, number] = x().sum().item();
    expect([flag, all, index, count, anything]).toEqual([true, true, V.flat().indexOf(9), 7, sumOf(V.flat())]);
  });
});
