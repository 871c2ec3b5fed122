// The transformations on WebGPU against the cpu reference (float32 on both): gradients, Jacobians
// and Hessians, vmap (collectives too), control flow under differentiation, custom rules,
// checkpointing, jax.random; each eagerly and under jit. And the golden cases: every program of
// tests/golden/core.ts's JAXPRS run on both backends, and the float32 values JAX itself computed
// (VALUES) reproduced on WebGPU. A measured subset of the cpu/wasm suites (the README says which).
import * as jax from "../../ts/index.js";
import { lax, numpy as np, random } from "../../ts/index.js";
import { JAXPRS, VALUES } from "../golden/core.js";
import { expectClose } from "../util/close.js";
import { startWebGpu, webgpuOrPending } from "../util/webgpu.js";

type Array = jax.Array;

/** `fn`'s result leaves with its arguments made (by `args`) on `backend`, read back. */
async function runOn(backend: "cpu" | "webgpu", fn: (...a: any[]) => any, args: () => any[]): Promise<{ shape: number[]; dtype: string; values: number[] }[]> {
  const prev = jax.defaultBackend();
  jax.setDefaultBackend(backend);
  let leaves: Array[];
  try {
    leaves = jax.tree.leaves(fn(...args())).map((l: any) => (l instanceof jax.Array ? l : np.array(l)));
  } finally {
    jax.setDefaultBackend(prev);
  }
  const out = [];
  for (const l of leaves) {
    expect(l.device.platform).withContext("where the result lives").toBe(backend === "webgpu" && typeof l.dtype === "string" ? "webgpu" : backend);
    const data = await l.data();
    out.push({ shape: l.shape, dtype: l.dtype, values: Array.from(data as ArrayLike<number>) });
  }
  return out;
}

async function againstCpu(name: string, fn: (...a: any[]) => any, args: () => any[], tol = { rtol: 2e-5, atol: 2e-5 }): Promise<void> {
  const want = await runOn("cpu", fn, args);
  for (const [how, f] of [["eager", fn], ["jit", jax.jit(fn)]] as const) {
    const got = await runOn("webgpu", f, args);
    expect(got.length).withContext(`${name} (${how}): outputs`).toBe(want.length);
    got.forEach((g, i) => {
      expect(g.shape).withContext(`${name} (${how}) output ${i} shape`).toEqual(want[i].shape);
      expect(g.dtype).withContext(`${name} (${how}) output ${i} dtype`).toBe(want[i].dtype);
      expectClose(g.values, want[i].values, { ...tol, what: `${name} (${how}) output ${i}` });
    });
  }
}

const seq = (n: number, scale = 1, shift = 0) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * 1.7 + shift) * scale);

const PROGRAMS: [string, (...a: any[]) => any, () => any[]][] = [
  ["grad of tanh(x @ w).sum() in w", (w: Array, x: Array) => jax.grad((w: Array) => np.tanh(x.matmul(w)).sum())(w), () => [np.array(seq(12)).reshape([4, 3]), np.array(seq(20, 0.5, 1)).reshape([5, 4])]],
  ["valueAndGrad of an MLP's softmax cross-entropy (pytree of parameters)", (p: any, x: Array, y: Array) => jax.valueAndGrad((p: any) => {
    const h = np.maximum(x.matmul(p.w1).add(p.b1), 0);
    const logits = h.matmul(p.w2).add(p.b2);
    const lse = np.log(np.exp(logits.sub(logits.max(1, { keepdims: true }))).sum(1)).add(logits.max(1));
    return lse.sub(logits.mul(y).sum(1)).mean();
  })(p), () => [{ w1: np.array(seq(24, 0.3)).reshape([6, 4]), b1: np.array(seq(4, 0.1, 2)), w2: np.array(seq(12, 0.3, 3)).reshape([4, 3]), b2: np.zeros([3]) },
    np.array(seq(30, 1, 4)).reshape([5, 6]), np.array([[1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 0, 0], [0, 1, 0]])]],
  ["jacfwd and jacrev of a vector function", (x: Array) => [jax.jacfwd((x: Array) => np.sin(x).mul(x.sum()))(x), jax.jacrev((x: Array) => np.cumsum(np.exp(x.mul(0.5))))(x)], () => [np.array(seq(5))]],
  ["hessian of a quartic", (x: Array) => jax.hessian((x: Array) => x.mul(x).mul(x).mul(x).sum().add(x.prod()))(x), () => [np.array([0.5, -1, 2])]],
  ["vmap of per-example gradients (inAxes [null, 0])", (w: Array, xs: Array) => jax.vmap(jax.grad((w: Array, x: Array) => np.tanh(x.matmul(w)).sum()), { inAxes: [null, 0] })(w, xs), () => [np.array(seq(6)).reshape([3, 2]), np.array(seq(12, 1, 5)).reshape([4, 3])]],
  ["jvp of sin and cos", (x: Array, t: Array) => jax.jvp((x: Array) => [np.sin(x), np.cos(x).mul(x)], [x], [t]), () => [np.array(seq(7)), np.array(seq(7, 1, 1))]],
  ["grad through lax.scan (a small RNN)", (w: Array, xs: Array) => jax.grad((w: Array) => {
    const [h] = lax.scan((h: Array, x: Array) => { const n = np.tanh(h.matmul(w).add(x)); return [n, n]; }, np.zeros([3]), xs);
    return h.sum();
  })(w), () => [np.array(seq(9, 0.5)).reshape([3, 3]), np.array(seq(12, 1, 2)).reshape([4, 3])]],
  ["grad through cond and fori_loop", (x: Array) => jax.grad((x: Array) => {
    const y = lax.foriLoop(0, 4, (i: Array, c: Array) => c.mul(1.1).add(np.sin(c)), x);
    return lax.cond(y.sum().gt(0), (a: Array) => a.mul(a).sum(), (a: Array) => a.sum().neg(), y);
  })(x), () => [np.array([0.3, -0.2, 0.9])]],
  ["a while loop with a data-dependent trip count, and its values", (x: Array) => lax.whileLoop(([v, k]: Array[]) => v.sum().lt(100), ([v, k]: Array[]) => [v.mul(1.5).add(1), k.add(1)], [x, np.array(0, "int32")]), () => [np.array([1, 2, 0.5])]],
  ["customJvp, customVjp and checkpoint under grad", (x: Array) => {
    const f = jax.customJvp((x: Array) => np.log1p(np.exp(x)));
    f.defjvp(([x]: Array[], [t]: Array[]) => [f(x), t.mul(lax.logistic(x))]);
    const g = jax.customVjp((x: Array) => np.sin(x));
    g.defvjp((x: Array) => [np.sin(x), np.cos(x)], (c: Array, ct: Array) => [ct.mul(c)]);
    const h = jax.checkpoint((x: Array) => np.tanh(x).mul(x));
    return jax.grad((x: Array) => f(x).add(g(x)).add(h(x)).sum())(x);
  }, () => [np.array(seq(6, 2))]],
  ["vmap with psum and axisIndex (named axes)", (x: Array) => jax.vmap((v: Array) => v.div(lax.psum(v, "i")).add(lax.axisIndex("i")), { axisName: "i" })(x), () => [np.array(seq(8, 1, 3)).reshape([4, 2]).add(3)]],
  ["jit(vmap(grad)) of a logistic regression loss", (w: Array, xs: Array, ys: Array) => jax.jit(jax.vmap(jax.grad((w: Array, x: Array, y: Array) => np.log1p(np.exp(x.matmul(w).mul(y).neg()))), { inAxes: [null, 0, 0] }))(w, xs, ys), () => [np.array([0.2, -0.4, 0.1]), np.array(seq(18)).reshape([6, 3]), np.array([1, -1, 1, 1, -1, -1])]],
  ["jax.random: split, uniform, normal, bernoulli, permutation (the same bits as cpu)", () => {
    const [k1, k2] = random.split(random.key(42));
    return [random.uniform(k1, [4, 3]), random.normal(k2, [5]), random.bernoulli(k1, 0.3, [6]), random.permutation(k2, 8), random.bits(k1, [3])];
  }, () => []],
];

describe("webgpu transformations against cpu", () => {
  beforeAll(async () => {
    await startWebGpu();
  });
  for (const [name, fn, args] of PROGRAMS) {
    it(name, async () => {
      if (!webgpuOrPending()) return;
      await againstCpu(name, fn, args);
    });
  }
});

describe("webgpu golden programs (tests/golden/core.ts)", () => {
  beforeAll(async () => {
    await startWebGpu();
  });

  it("runs every JAXPRS program with the values cpu gives", async () => {
    if (!webgpuOrPending()) return;
    for (const c of JAXPRS) await againstCpu(c.name, c.fn, c.args);
  });

  it("reproduces the float32 values JAX computed (VALUES)", async () => {
    if (!webgpuOrPending()) return;
    for (const c of VALUES) {
      const inputs = c.inputs.map((v) => jax.devicePut(np.array(v), "webgpu"));
      const got = Array.from(await (c.fn(inputs[0], inputs[1]) as Array).data() as ArrayLike<number>);
      expectClose(got, c.expected, { rtol: 4e-7 * 8, atol: 1e-7, what: `${c.expr} on WebGPU vs JAX` });
    }
  });
});
