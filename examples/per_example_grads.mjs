// Per-example gradients with vmap(grad): one gradient per training example in one call, then
// DP-SGD-style training (each example's gradient clipped to norm C before averaging), which
// needs exactly those. Logistic regression on two Gaussian blobs.
//   node examples/per_example_grads.mjs [--quick]      deno run examples/per_example_grads.mjs [--quick]
import * as jax from "webjax/inline";
import { check, finish, progress, quick, relErr, start } from "./util.mjs";

const np = jax.numpy;
const random = jax.random;
await start("Per-example gradients with vmap(grad), and clipped (DP-SGD style) training");

const n = quick ? 64 : 1024, d = 8, steps = quick ? 60 : 400, clip = 1.0, lr = 0.5;
const [kx, ky, kw] = random.split(random.key(1), 3);
const labels = random.bernoulli(ky, 0.5, [n]).astype("float32");
const X = random.normal(kx, [n, d]).add(labels.reshape([n, 1]).mul(2).sub(1).mul(0.8)); // blobs at ±0.8
const params0 = { w: random.normal(kw, [d]).mul(0.1), b: np.zeros([]) };

// The loss of ONE example (x: [d], y: scalar); vmap maps it over the batch.
const lossOne = (p, x, y) => {
  const z = x.matmul(p.w).add(p.b);
  return np.logaddexp(0, z).sub(y.mul(z)); // -log-likelihood of a logistic model, stable
};
const meanLoss = (p, x, y) => jax.vmap(lossOne, { inAxes: [null, 0, 0] })(p, x, y).mean();
const perExampleGrads = jax.jit(jax.vmap(jax.grad(lossOne), { inAxes: [null, 0, 0] }));

// 1. Checks: the per-example gradients are the gradients of each example's loss, and average
//    to the batch gradient.
const g = perExampleGrads(params0, X, labels);
console.log(`per-example gradients: w ${JSON.stringify(g.w.shape)}, b ${JSON.stringify(g.b.shape)} (one row per example)`);
const batchGrad = jax.grad(meanLoss)(params0, X, labels);
check(relErr(g.w.mean(0).tolistSync(), batchGrad.w.tolistSync()) < 1e-4, "their mean is the gradient of the mean loss");
let worst = 0;
for (const i of [0, 1, n - 1]) {
  const gi = jax.grad(lossOne)(params0, X.slice(i), labels.slice(i));
  worst = Math.max(worst, relErr(g.w.slice(i).tolistSync(), gi.w.tolistSync()));
}
check(worst < 1e-5, `row i is grad(loss of example i) (examples 0, 1, ${n - 1}; worst relative error ${worst.toExponential(1)})`);
// A finite difference in float32, on the bias of example 0.
const eps = 1e-2;
const at = (b) => lossOne({ w: params0.w, b: np.array(b) }, X.slice(0), labels.slice(0)).item();
const fd = (at(eps) - at(-eps)) / (2 * eps);
check(Math.abs(fd - g.b.slice(0).item()) < 1e-3, `d loss_0 / d b matches a central difference (${g.b.slice(0).item().toFixed(5)} vs ${fd.toFixed(5)})`);

// 2. Clipped training: each example's gradient scaled to norm <= clip, then averaged.
const step = jax.jit((p, x, y) => {
  const gs = jax.vmap(jax.grad(lossOne), { inAxes: [null, 0, 0] })(p, x, y);
  const norms = np.sqrt(gs.w.mul(gs.w).sum(1).add(gs.b.mul(gs.b)));
  const scale = np.minimum(1, np.divide(clip, norms.add(1e-12)));
  const w = p.w.sub(gs.w.mul(scale.reshape([-1, 1])).mean(0).mul(lr));
  const b = p.b.sub(gs.b.mul(scale).mean().mul(lr));
  return [{ w, b }, norms.max()];
});
const accuracy = (p) => np.mean(X.matmul(p.w).add(p.b).gt(0).astype("float32").eq(labels).astype("float32")).item();
const loss0 = meanLoss(params0, X, labels).item();
let params = params0, maxNorm;
for (let i = 0; i < steps; i++) {
  [params, maxNorm] = step(params, X, labels);
  progress(i, steps, `largest per-example gradient norm ${maxNorm.item().toFixed(3)}`);
}
const loss1 = meanLoss(params, X, labels).item();
console.log(`mean loss ${loss0.toFixed(4)} -> ${loss1.toFixed(4)}, accuracy ${(100 * accuracy(params0)).toFixed(1)}% -> ${(100 * accuracy(params)).toFixed(1)}%`);
check(loss1 < 0.6 * loss0, "clipped training lowered the loss by more than 40%");
check(accuracy(params) > 0.85, "the classifier separates the blobs (accuracy > 85%)");
finish();
