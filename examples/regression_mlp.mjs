// Regression with a small MLP: fit y = sin(3x) + x²/2 + noise on [-1, 1] with a 1-64-64-1 tanh
// network, Adam, one jitted step (value, gradient and update in one compiled program).
//   node examples/regression_mlp.mjs [--quick]      deno run examples/regression_mlp.mjs [--quick]
import * as jax from "webjax/inline";
import { adam, check, finish, progress, quick, start } from "./util.mjs";

const np = jax.numpy;
const random = jax.random;
await start("Regression MLP: y = sin(3x) + x²/2 + noise, 1-64-64-1 tanh, Adam");

const steps = quick ? 150 : 1500;
const n = quick ? 128 : 512;
const [kData, kNoise, kTest, ...kInit] = random.split(random.key(0), 6);
const target = (x) => np.sin(x.mul(3)).add(x.mul(x).mul(0.5));
const X = random.uniform(kData, [n, 1], { minval: -1, maxval: 1 });
const Y = target(X).add(random.normal(kNoise, [n, 1]).mul(0.05));
const Xtest = random.uniform(kTest, [256, 1], { minval: -1, maxval: 1 });
const Ytest = target(Xtest);

// Glorot-style initialisation: weights ~ N(0, 1/fan_in).
const dense = (k, m, n) => ({ w: random.normal(k, [m, n]).mul(1 / Math.sqrt(m)), b: np.zeros([n]) });
const params0 = { l1: dense(kInit[0], 1, 64), l2: dense(kInit[1], 64, 64), l3: dense(kInit[2], 64, 1) };

const predict = (p, x) => {
  const h1 = np.tanh(x.matmul(p.l1.w).add(p.l1.b));
  const h2 = np.tanh(h1.matmul(p.l2.w).add(p.l2.b));
  return h2.matmul(p.l3.w).add(p.l3.b);
};
const mse = (p, x, y) => np.square(predict(p, x).sub(y)).mean();

const opt = adam(1e-2);
const step = jax.jit((p, state, x, y) => {
  const [loss, g] = jax.valueAndGrad(mse)(p, x, y);
  const [next, nextState] = opt.update(g, state, p);
  return [next, nextState, loss];
});

let params = params0, state = opt.init(params0), loss;
const initial = mse(params0, X, Y).item();
const t0 = performance.now();
for (let i = 0; i < steps; i++) {
  [params, state, loss] = step(params, state, X, Y);
  progress(i, steps, `train mse ${loss.item().toFixed(5)}`);
}
const ms = (performance.now() - t0) / steps;

const final = mse(params, X, Y).item();
const test = mse(params, Xtest, Ytest).item();
const variance = np.var(Ytest).item();
console.log(`train mse ${initial.toFixed(4)} -> ${final.toFixed(5)}; test mse ${test.toFixed(5)} (variance of y: ${variance.toFixed(4)}); ${ms.toFixed(2)} ms/step`);
check(final < initial / 10, `the training loss fell more than 10x (${(initial / final).toFixed(1)}x)`);
check(test < 0.05 * variance, `the test error is under 5% of the variance of y (R² = ${(1 - test / variance).toFixed(4)})`);
finish();
