// `npm run demo` (after `npm run build`): webjax doing real work on every backend that
// initialises here: an eager add, a jitted program and the jaxpr jit traced, then a small
// classifier trained with jit(valueAndGrad) (step by step, then as one jit(foriLoop) program),
// per-example gradients with vmap, and a Hessian.
import * as jax from "../dist/webjax.mjs";

const np = jax.numpy;
const lax = jax.lax;
const names = await jax.init();
console.log(`backends: ${names.join(", ")}`);

const a = [1, 2, 3, 4, 5, 6, 7, 8];
const b = [0.5, -1, 10, 100, -0.25, 3, 0, -8];
const f = jax.jit((x, y) => np.tanh(x.mul(0.1)).mul(y).add(x).sum());
console.log(`a = [${a.join(", ")}]\nb = [${b.join(", ")}]`);
console.log(`f = jit((x, y) => sum(tanh(0.1 x) * y + x)), traced once:\n${jax.makeJaxpr(f)(np.array(a), np.array(b))}`);

for (const name of names) {
  const x = np.array(a, { device: name });
  const y = np.array(b, { device: name });
  const sum = x.add(y);
  const extra = name === "wasm" ? ` (${jax.getBackend("wasm").runtime.variant}, ${jax.getBackend("wasm").runtime.threads} threads)` : "";
  console.log(`${name}${extra}: a + b = [${(await sum.data()).join(", ")}]   f(a, b) = ${f(x, y).item()}`);
}

// Training: a 2-16-2 MLP on two noisy spirals-like blobs, SGD with a jitted value-and-grad.
const key = jax.random.key(0);
const [k1, k2, k3] = jax.random.split(key, 3);
const n = 256;
const labels = np.mod(np.arange(n), 2);
const centers = np.where(labels.reshape([n, 1]).eq(1), np.array([[1.5, 1.5]]), np.array([[-1.5, -1.5]]));
const X = centers.add(jax.random.normal(k1, [n, 2]));
const Y = np.eye(2).slice(labels); // one-hot rows
const init = (k, shape) => jax.random.normal(k, shape).mul(0.5);
const params0 = { w1: init(k2, [2, 16]), b1: np.zeros([16]), w2: init(k3, [16, 2]), b2: np.zeros([2]) };
let params = params0;
const predict = (p, x) => np.tanh(x.matmul(p.w1).add(p.b1)).matmul(p.w2).add(p.b2);
const loss = (p, x, y) => {
  const logits = predict(p, x);
  const lse = np.log(np.exp(logits).sum({ axis: 1 }));
  return lse.sub(logits.mul(y).sum({ axis: 1 })).mean();
};
const step = jax.jit((p, x, y) => {
  const [l, g] = jax.valueAndGrad(loss)(p, x, y);
  return [l, jax.tree.map((w, gw) => w.sub(gw.mul(0.5)), p, g)];
});
const t0 = performance.now();
let l;
for (let i = 0; i < 200; i++) [l, params] = step(params, X, Y);
const ms = performance.now() - t0;
const acc = predict(params, X).argmax({ axis: 1 }).eq(labels).astype("float32").mean().item();
console.log(`\nMLP 2-16-2, 200 SGD steps on ${jax.defaultBackend()}: loss ${l.item().toFixed(4)}, accuracy ${(100 * acc).toFixed(1)}%, ${(ms / 200).toFixed(3)} ms/step`);

// The same 200 steps as one compiled program: lax.foriLoop runs inside the wasm core.
const train = jax.jit((p, x, y) => lax.foriLoop(0, 200, (i, q) => step(q, x, y)[1], p));
train(params0, X, Y); // compile
const t1 = performance.now();
const looped = train(params0, X, Y);
const lossLooped = loss(looped, X, Y).item();
console.log(`the same 200 steps in one jit(foriLoop) call: loss ${lossLooped.toFixed(4)}, ${((performance.now() - t1) / 200).toFixed(3)} ms/step`);

// Per-example gradient norms with vmap, and the Hessian of a small function.
const perExample = jax.vmap(jax.grad(loss), { inAxes: [null, 0, 0] })(params, X.slice([0, 4]).reshape([4, 1, 2]), Y.slice([0, 4]).reshape([4, 1, 2]));
console.log(`per-example |dL/dw2| for 4 examples: [${(await np.sqrt(perExample.w2.mul(perExample.w2).sum({ axis: [1, 2] })).tolist()).map((v) => v.toFixed(4)).join(", ")}]`);
const H = jax.hessian((v) => np.sin(v).mul(v.sum()).sum())(np.array([0.5, 1.0]));
console.log(`hessian of sum(sin(v) * sum(v)) at [0.5, 1] = ${JSON.stringify(await H.tolist(), (k, v) => (typeof v === "number" ? +v.toFixed(4) : v))}`);
// The wasm worker pool parks threads in Atomics.wait; Node exits once the work is done.
