// A recurrent network written with lax.scan: an Elman RNN (tanh, 32 units) reads a noisy sum of
// two sines one step at a time and predicts the next value. The whole sequence is one scan, so
// jit compiles one loop and grad differentiates through it (backpropagation through time).
//   node examples/scan_rnn.mjs [--quick]      deno run examples/scan_rnn.mjs [--quick]
import * as jax from "webjax/inline";
import { adam, check, finish, progress, quick, relErr, start } from "./util.mjs";

const np = jax.numpy;
const lax = jax.lax;
const random = jax.random;
await start("A scan RNN: next-value prediction of a sum of sines, trained through time");

const T = quick ? 40 : 200, batch = quick ? 16 : 64, hidden = 32, epochs = quick ? 120 : 800;
const [kPhase, kNoise, k1, k2, k3] = random.split(random.key(3), 5);
// Sequences [T + 1, batch]: each column a random phase of sin(0.3 t) + 0.5 sin(0.71 t).
const t = np.arange(T + 1).astype("float32").reshape([T + 1, 1]);
const phase = random.uniform(kPhase, [1, batch], { maxval: 2 * Math.PI });
const series = np.sin(t.mul(0.3).add(phase)).add(np.sin(t.mul(0.71).add(phase.mul(2))).mul(0.5))
  .add(random.normal(kNoise, [T + 1, batch]).mul(0.02));
const inputs = series.slice([0, T]).reshape([T, batch, 1]); // x_t
const targets = series.slice([1, T + 1]).reshape([T, batch, 1]); // x_{t+1}

const params0 = {
  wx: random.normal(k1, [1, hidden]).mul(0.5),
  wh: random.normal(k2, [hidden, hidden]).mul(0.9 / Math.sqrt(hidden)),
  b: np.zeros([hidden]),
  wo: random.normal(k3, [hidden, 1]).mul(1 / Math.sqrt(hidden)),
  bo: np.zeros([1]),
};

// One step of the recurrence: carry h [batch, hidden], input x [batch, 1] -> [h', prediction].
const cell = (p) => (h, x) => {
  const hNext = np.tanh(x.matmul(p.wx).add(h.matmul(p.wh)).add(p.b));
  return [hNext, hNext.matmul(p.wo).add(p.bo)];
};
const loss = (p, xs, ys) => {
  const [, preds] = lax.scan(cell(p), np.zeros([batch, hidden]), xs); // preds: [T, batch, 1]
  return np.square(preds.sub(ys)).mean();
};

// Backpropagation through the scan, checked against a central difference on one weight.
const g0 = jax.grad(loss)(params0, inputs, targets);
const eps = 1e-2;
const bump = (e) => loss({ ...params0, wh: params0.wh.at(0, 1).add(e) }, inputs, targets).item();
const fd = (bump(eps) - bump(-eps)) / (2 * eps);
const ad = g0.wh.slice(0, 1).item();
check(relErr(ad, fd) < 2e-2, `d loss / d wh[0,1] (the recurrent weights) through the scan matches a central difference (${ad.toFixed(5)} vs ${fd.toFixed(5)})`);

const opt = adam(quick ? 1e-2 : 5e-3);
const step = jax.jit((p, s, xs, ys) => {
  const [l, g] = jax.valueAndGrad(loss)(p, xs, ys);
  const [next, state] = opt.update(g, s, p);
  return [next, state, l];
});
let params = params0, state = opt.init(params0), l;
const variance = np.var(targets).item();
const first = loss(params0, inputs, targets).item();
const t0 = performance.now();
for (let e = 0; e < epochs; e++) {
  [params, state, l] = step(params, state, inputs, targets);
  progress(e, epochs, `mse ${l.item().toFixed(5)}`);
}
const last = loss(params, inputs, targets).item();
console.log(`mse ${first.toFixed(4)} -> ${last.toFixed(5)} (variance of the targets ${variance.toFixed(4)}); ${((performance.now() - t0) / epochs).toFixed(2)} ms per epoch of ${T} steps`);
check(last < first / 5, `training through time lowered the error more than 5x (${(first / last).toFixed(1)}x)`);
check(last < 0.2 * variance, `the RNN predicts the next value (explains ${(100 * (1 - last / variance)).toFixed(1)}% of the variance)`);
finish();
