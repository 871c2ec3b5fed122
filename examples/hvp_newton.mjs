// Hessian-vector products without the Hessian: forward-over-reverse, jvp(grad(f)), costs about
// two gradients. Checked against the full jax.hessian and a finite difference of gradients, then
// used by Newton-CG (conjugate gradients on H p = -g, each iteration one HVP) to minimise an
// L2-regularised logistic loss in a few Newton steps.
//   node examples/hvp_newton.mjs [--quick]      deno run examples/hvp_newton.mjs [--quick]
import * as jax from "webjax/inline";
import { check, finish, progress, quick, relErr, start } from "./util.mjs";

const np = jax.numpy;
const random = jax.random;
await start("Hessian-vector products (jvp of grad) and Newton-CG");

const n = quick ? 200 : 2000, d = quick ? 10 : 50, lambda = 0.1;
const [kx, kw, ky, kv] = random.split(random.key(2), 4);
const X = random.normal(kx, [n, d]);
const wTrue = random.normal(kw, [d]);
// Labels from a noisy linear rule, so the problem is not separable and the optimum is finite.
const y = X.matmul(wTrue).add(random.normal(ky, [n]).mul(2)).gt(0).astype("float32");

const f = (w) => {
  const z = X.matmul(w);
  return np.logaddexp(0, z).sub(y.mul(z)).mean().add(w.mul(w).sum().mul(lambda / 2));
};
const grad = jax.jit(jax.grad(f));
// H v = d/dε grad(f)(w + ε v) at ε = 0: one forward-mode pass through the reverse-mode gradient.
const hvp = jax.jit((w, v) => jax.jvp(jax.grad(f), [w], [v])[1]);

// 1. Checks at a random point.
const w0 = np.zeros([d]);
const v = random.normal(kv, [d]);
const Hv = hvp(w0, v);
const H = jax.hessian(f)(w0); // [d, d], only to check against
check(relErr(Hv.tolistSync(), H.matmul(v).tolistSync()) < 1e-4, "hvp(w, v) equals hessian(f)(w) @ v");
const eps = 1e-2;
const fd = grad(w0.add(v.mul(eps))).sub(grad(w0.sub(v.mul(eps)))).div(2 * eps);
const fdErr = np.linalg.norm(fd.sub(Hv)).item() / np.linalg.norm(Hv).item();
check(fdErr < 1e-2, `hvp matches a central difference of gradients (relative error ${fdErr.toExponential(1)})`);

// 2. Newton-CG: solve H p = -g by conjugate gradients (HVPs only), then w += p.
function conjugateGradient(w, g, iters) {
  let x = np.zeros([d]), r = g.neg(), p = r, rr = r.mul(r).sum();
  for (let i = 0; i < iters && rr.item() > 1e-12; i++) {
    const Ap = hvp(w, p);
    const alpha = rr.div(p.mul(Ap).sum());
    x = x.add(p.mul(alpha));
    r = r.sub(Ap.mul(alpha));
    const rrNext = r.mul(r).sum();
    p = r.add(p.mul(rrNext.div(rr)));
    rr = rrNext;
  }
  return x;
}
const newtonSteps = 6;
let w = w0;
const losses = [f(w).item()], gradNorms = [np.linalg.norm(grad(w)).item()];
for (let k = 0; k < newtonSteps; k++) {
  w = w.add(conjugateGradient(w, grad(w), d));
  losses.push(f(w).item());
  gradNorms.push(np.linalg.norm(grad(w)).item());
  progress(k, newtonSteps, `loss ${losses[k + 1].toFixed(6)}  |grad| ${gradNorms[k + 1].toExponential(2)}`);
}
console.log(`loss ${losses[0].toFixed(4)} -> ${losses.at(-1).toFixed(6)}, |grad| ${gradNorms[0].toExponential(2)} -> ${gradNorms.at(-1).toExponential(2)}`);
check(losses.at(-1) < losses[0], "Newton's method lowered the loss");
check(gradNorms.at(-1) < 1e-4 * gradNorms[0] || gradNorms.at(-1) < 1e-5, "the gradient vanished at the end (|grad| shrank 10,000x, float32's limit)");
check(gradNorms[2] < 0.1 * gradNorms[1], "convergence is fast, as Newton's is (|grad| fell 10x in one step once near)");
finish();
