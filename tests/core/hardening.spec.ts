// Issue 17's smaller items and the compile-time side of item 2, on the default backend (wasm
// once jax.init ran) and the cpu reference: cyclic pytrees, uint32 indices of 2^31 and above,
// fractional or NaN dynamic-slice starts, typed-array arguments to jit, and bytecode words
// past int32. The values JAX 0.10.2 gives are quoted where they are the oracle.
import * as jax from "../../ts/index.js";
import { Array } from "../../ts/core/array.js";
import { Encoder, Op } from "../../ts/compiler/bytecode.js";
import { caught } from "../util/caught.js";

const np = jax.numpy;
const lax = jax.lax;

const u32 = (...v: number[]) => np.array(v, { dtype: "uint32" });
const onCpu = (x: Array) => jax.devicePut(x, jax.devices("cpu")[0]);

describe("hardening (issue 17)", () => {
  beforeAll(async () => {
    await jax.init();
  });

  afterEach(() => {
    // Whatever went wrong, the runtime keeps working.
    expect(jax.jit((x: Array) => x.mul(2))(np.ones([2])).tolistSync()).toEqual([2, 2]);
  });

  it("a cyclic pytree is a ValueError naming the path, not a stack overflow", () => {
    const d: any = { x: np.ones([2]) };
    d.self = d;
    const l: any[] = [1];
    l.push(l);
    for (const [tree, path] of [[d, "tree.self"], [l, "tree[1]"]] as const) {
      const e = caught(() => jax.tree.flatten(tree));
      expect(e).toBeInstanceOf(jax.ValueError);
      expect(e.message).toContain(path);
      expect(e.message).toContain("cycle");
    }
    expect(caught(() => jax.jit((t: any) => t.x.sum())(d))).toBeInstanceOf(jax.ValueError);
    expect(caught(() => jax.vmap((t: any) => t.x)(d))).toBeInstanceOf(jax.ValueError);
    // A shared (non-cyclic) subtree is fine, and so is a deep one.
    const shared = [1, 2];
    expect(jax.tree.leaves({ a: shared, b: shared })).toEqual([1, 2, 1, 2]);
    let deep: any = [7];
    for (let i = 0; i < 300; i++) deep = { k: deep };
    expect(jax.tree.leaves(deep)).toEqual([7]);
    // A cycle far down is found too, and named by its path.
    let chain: any = { end: null };
    const bottom = chain;
    for (let i = 0; i < 100; i++) chain = [chain];
    bottom.end = chain;
    const e = caught(() => jax.tree.flatten(chain));
    expect(e).toBeInstanceOf(jax.ValueError);
    expect(e.message).toContain(`tree${"[0]".repeat(100)}.end`);
  });

  it("uint32 indices of 2^31 and above are out of range, never negative indices counted from the end", () => {
    const x = np.arange(10);
    for (const [where, a] of [["wasm", x], ["cpu", onCpu(x)]] as const) {
      // Gathers clamp out-of-range rows (4294967294 was read as -2, i.e. element 8).
      expect(a.slice(u32(4294967294, 1)).tolistSync()).withContext(where).toEqual([9, 1]);
      expect(a.slice(u32(2147483648, 2147483647, 0)).tolistSync()).withContext(where).toEqual([9, 9, 0]);
      // JAX: jnp.take(x, uint32 [4294967294, 2147483648, 3]) -> [-2147483648, -2147483648, 3] (fill mode).
      expect(np.take(a, u32(4294967294, 2147483648, 3)).tolistSync()).withContext(where).toEqual([-2147483648, -2147483648, 3]);
      // JAX: x.at[uint32 4294967294].set(100) drops the update.
      expect(a.at(u32(4294967294)).set(100).tolistSync()).withContext(where).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      expect(a.at(u32(2147483648, 3)).add(100).tolistSync()).withContext(where).toEqual([0, 1, 2, 103, 4, 5, 6, 7, 8, 9]);
    }
    // Signed indices still count from the end.
    expect(x.slice(np.array([-2], { dtype: "int32" })).tolistSync()).toEqual([8]);
    // JAX: lax.dynamic_slice(x, (uint32 4294967294,), (2,)) -> [8, 9]; batched starts alike.
    expect(lax.dynamicSlice(x, [np.array(4294967294, { dtype: "uint32" })], [2]).tolistSync()).toEqual([8, 9]);
    const starts = u32(4294967294, 2147483648, 1);
    expect(jax.vmap((s: Array) => lax.dynamicSlice(x, [s], [2]))(starts).tolistSync()).toEqual([[8, 9], [8, 9], [1, 2]]);
  });

  it("fractional or NaN dynamic-slice starts are a TypeError (JAX: index arguments must be integers)", () => {
    const x = np.arange(10);
    for (const s of [1.5, NaN, Infinity]) {
      const e = caught(() => lax.dynamicSlice(x, [s], [2]));
      expect(e).toBeInstanceOf(TypeError);
      expect(e.message).toContain(String(s));
      expect(caught(() => lax.dynamicUpdateSlice(x, np.array([7, 7], { dtype: "int32" }), [s]))).toBeInstanceOf(TypeError);
    }
    expect(caught(() => lax.dynamicSlice(x, [np.array(1.5)], [2]))).toBeInstanceOf(TypeError);
    // Integers, negative and past the end, clamp as in XLA.
    expect(lax.dynamicSlice(x, [-3], [2]).tolistSync()).toEqual([0, 1]);
    expect(lax.dynamicSlice(x, [1e9], [2]).tolistSync()).toEqual([8, 9]);
  });

  it("jit takes typed arrays as np.array does (Float64Array is float64)", () => {
    const f = jax.jit((a: Array) => a.mul(2));
    const cases: [ArrayLike, string, number[]][] = [
      [new Float64Array([1.5, 2]), "float64", [3, 4]],
      [new Float32Array([1, 2]), "float32", [2, 4]],
      [new Int32Array([3, -4]), "int32", [6, -8]],
    ];
    for (const [arg, dtype, want] of cases) {
      const out = f(arg as any);
      expect(out.dtype).toBe(dtype);
      expect(out.dtype).toBe(np.array(arg as any).dtype);
      expect(out.tolistSync()).toEqual(want);
    }
    expect(jax.jit((t: any) => t.a.add(t.b))({ a: new Float32Array([1]), b: 2 }).tolistSync()).toEqual([3]);
  });

  it("a bytecode word past int32 is a RangeError at compile time, never a wrapped size", () => {
    const enc = new Encoder();
    enc.emit(Op.FILL, [0, 0, 4, 2 ** 31 - 1, 0, 0]);
    const e = caught(() => enc.emit(Op.FILL, [0, 0, 1, 2 ** 31, 0, 0]));
    expect(e).toBeInstanceOf(RangeError);
    expect(e.message).toContain("FILL");
    expect(e.message).toContain(String(2 ** 31));
    // A program that would need one: an int32 sum of a broadcast of 2^31 + 5 elements (copied first).
    const g = jax.jit((x: Array) => np.broadcastTo(x, [2 ** 31 + 5]).sum());
    expect(caught(() => g(np.ones([1], { dtype: "int32" })))).toBeInstanceOf(RangeError);
  });

  it("a float32 reduction of a broadcast reduces it where it stands (tests/isolated/overflow.mjs: past 2^31 and 2^32)", () => {
    const f = jax.jit((r: Array) => np.broadcastTo(r, [3, 1 << 12, 1 << 12]).sum({ axis: [1, 2] }));
    expect(f(np.array([[[1]], [[2]], [[0.5]]])).tolistSync()).toEqual([2 ** 24, 2 ** 25, 2 ** 23]);
    const g = jax.jit((r: Array) => np.broadcastTo(r, [5000, 3]).max());
    expect(g(np.array([1, -2, 7])).item()).toBe(7);
  });
});

type ArrayLike = Float64Array | Float32Array | Int32Array;

// Found by an adversarial trial after the first round: each failed before its fix.
describe("hardening: shapes, pending reads and indexing options", () => {
  beforeAll(async () => {
    await jax.init();
  });

  it("dynamic slices of rank above 16 (sizes 1 beyond) read and write the right elements, as cpu", () => {
    const R = 100;
    const x = np.arange(25).astype("float32").reshape([5, 5, ...globalThis.Array(R - 2).fill(1)]);
    const start = [1, 1, ...globalThis.Array(R - 2).fill(0)], size = [2, 2, ...globalThis.Array(R - 2).fill(1)];
    expect(globalThis.Array.from(lax.dynamicSlice(x, start, size).dataSync())).toEqual([6, 7, 11, 12]);
    const u = np.full(size, -1);
    const y = lax.dynamicUpdateSlice(x, u, start).reshape([25]).dataSync();
    expect([y[5], y[6], y[7], y[11], y[12], y[13]]).toEqual([5, -1, -1, -1, -1, 13]);
    const bigRank = np.ones(globalThis.Array(17).fill(2));
    expect(() => lax.dynamicSlice(bigRank, globalThis.Array(17).fill(0), globalThis.Array(17).fill(1)).dataSync()).toThrowError(/dynamic slice of rank 17/);
  });

  it("negative sizes are a ValueError wherever a shape is made (never a kernel over freed memory)", () => {
    const makers: [string, () => unknown][] = [
      ["np.eye", () => np.eye(-3)],
      ["np.linspace", () => np.linspace(0, 1, -1)],
      ["np.repeat", () => np.repeat(np.ones([2]), -1)],
      ["np.tile", () => np.tile(np.ones([2]), [-1])],
      ["lax.iota", () => lax.iota("float32", -5)],
      ["lax.broadcastedIota", () => lax.broadcastedIota("float32", [-64, -64], 1)],
      ["np.broadcastTo", () => np.broadcastTo(np.ones([]), [-2, -2])],
      ["lax.scan length", () => lax.scan((c: Array) => [c, c], np.zeros([]), null, { length: -3 })],
      ["under jit", () => jax.jit(() => lax.broadcastedIota("float32", [-64, -64], 1))()],
    ];
    for (const [name, make] of makers) expect(caught(make).message).withContext(name).toMatch(/non-negative integers; got \(.*-\d/);
    expect(() => np.ones([6]).reshape([-2, -3])).toThrowError(TypeError, "reshape new_sizes must all be positive, got (-2, -3).");
    expect(() => np.arange(10).slice([1.5, 3])).toThrowError(TypeError, /slice indices must be integers or null; got 1\.5/);
  });

  it("a pending data() or tolist() keeps its values when the array is disposed or donated before it resolves", async () => {
    const x = np.array([1, 2, 3, 4]);
    const p = x.data();
    x.dispose();
    expect(globalThis.Array.from(await p)).toEqual([1, 2, 3, 4]);
    const y = np.array([5, 6]);
    const q = y.tolist();
    jax.jit((a: Array) => a.add(1), { donateArgnums: 0 })(y);
    expect(await q).toEqual([5, 6]);
  });

  it("x.at(...).get and the updates take JAX's mode and fill_value; unknown ones are errors (JAX 0.10.2's values)", () => {
    const x = np.arange(5).astype("float32");
    const i = np.array([1, 7, -9], { dtype: "int32" });
    expect(x.at(i).get().tolistSync()).toEqual([1, 4, 0]);
    expect(x.at(i).get({ mode: "fill" }).tolistSync()).toEqual([1, NaN, NaN]);
    expect(x.at(i).get({ mode: "fill", fillValue: -7 }).tolistSync()).toEqual([1, -7, -7]);
    expect(np.arange(5).at(i).get({ mode: "fill" }).tolistSync()).toEqual([1, -(2 ** 31), -(2 ** 31)]);
    expect(np.arange(5).astype("uint32").at(i).get({ mode: "fill" }).tolistSync()).toEqual([1, 2 ** 32 - 1, 2 ** 32 - 1]);
    expect(x.at(i).set(9).tolistSync()).toEqual([0, 9, 2, 3, 4]);
    expect(x.at(i).set(9, { mode: "clip" }).tolistSync()).toEqual([9, 9, 2, 3, 9]);
    expect(x.at(i).add(1, { mode: "clip" }).tolistSync()).toEqual([1, 2, 2, 3, 5]);
    expect(jax.jit((a: Array) => a.at(i).get({ mode: "fill", fillValue: 3 }))(x).tolistSync()).toEqual([1, 3, 3]);
    expect(() => x.at(i).get({ mode: "bogus" } as any)).toThrowError(/Unknown gather mode "bogus"/);
    expect(() => x.at(i).get({ modee: 1 } as any)).toThrowError(TypeError, /unexpected keyword argument 'modee'/);
    expect(() => x.at(i).set(1, { fillValue: 1 } as any)).toThrowError(TypeError, /unexpected keyword argument 'fillValue'/);
  });

  it("cumsum and cumprod keep uint32 (bool becomes int32), as JAX", () => {
    const u = np.array([4294967295, 1], { dtype: "uint32" });
    expect(np.cumsum(u).dtype).toBe("uint32");
    expect(np.cumsum(u).tolistSync()).toEqual([4294967295, 0]);
    expect(np.cumprod(u).dtype).toBe("uint32");
    expect(np.cumsum(np.array([true, true])).dtype).toBe("int32");
  });

  it("jax.tidy refuses an async function with a message saying why", async () => {
    expect(() => jax.tidy((async () => np.ones([2])) as any)).toThrowError(TypeError, /takes a synchronous function/);
  });
});
