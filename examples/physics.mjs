// A physics simulation differentiated through time: a ball thrown with quadratic air drag,
// integrated by semi-implicit Euler inside lax.scan. Where the ball is at t = 2 s depends on the
// launch velocity through every one of the steps; jax.grad (reverse mode through the scan) and
// jax.jacfwd (forward mode) give that dependence exactly. Aim: find the launch velocity that puts
// the ball on a target, by Gauss-Newton steps with the 2x2 Jacobian of the landing point.
//   node examples/physics.mjs [--quick]      deno run examples/physics.mjs [--quick]
import * as jax from "webjax/inline";
import { check, finish, progress, quick, relErr, start } from "./util.mjs";

const np = jax.numpy;
const lax = jax.lax;
await start("Differentiable physics: aim a ball with drag at a target, through the simulation");

const T = 2.0, steps = quick ? 100 : 2000, dt = T / steps;
const gravity = np.array([0, -9.81]), drag = 0.1; // drag: acceleration -k |v| v
const target = np.array([12, 3]); // metres: where the ball must be at t = T

/** Position after T seconds, launched from the origin with velocity v0 [2]. */
const simulate = (v0) => {
  const step = ([x, v]) => {
    const speed = np.sqrt(v.mul(v).sum());
    const vNext = v.add(gravity.sub(v.mul(speed).mul(drag)).mul(dt));
    return [[x.add(vNext.mul(dt)), vNext], null];
  };
  const [[x]] = lax.scan(step, [np.zeros([2]), v0], null, { length: steps });
  return x;
};
const miss = (v0) => np.square(simulate(v0).sub(target)).sum();

// The gradient through all the steps, checked against a central difference.
let v = np.array([8, 8]);
const g = jax.jit(jax.grad(miss))(v).tolistSync();
const eps = 1e-2;
const fd = [0, 1].map((i) => {
  const e = np.zeros([2]).at(i).set(eps);
  return (miss(v.add(e)).item() - miss(v.sub(e)).item()) / (2 * eps);
});
check(relErr(g, fd) < 1e-2, `grad of the squared miss through ${steps} steps matches central differences ([${g.map((x) => x.toFixed(3))}] vs [${fd.map((x) => x.toFixed(3))}])`);

// Gauss-Newton: v <- v - J^-1 (x(v) - target), with J = d x(T) / d v0 by forward mode.
const position = jax.jit(simulate);
const jacobian = jax.jit(jax.jacfwd(simulate));
const iterations = 8;
const distances = [];
for (let k = 0; k < iterations; k++) {
  const r = position(v).sub(target);
  const [[a, b], [c, d]] = jacobian(v).tolistSync();
  const [r0, r1] = r.tolistSync();
  const det = a * d - b * c; // J^-1 r for a 2x2 J, in JS numbers
  v = v.sub(np.array([(d * r0 - b * r1) / det, (a * r1 - c * r0) / det]));
  distances.push(np.linalg.norm(position(v).sub(target)).item());
  progress(k, iterations, `miss ${distances[k].toExponential(2)} m with v0 = [${v.tolistSync().map((x) => x.toFixed(4))}] m/s`);
}
const [vx, vy] = v.tolistSync();
const noDrag = [12 / T, (3 + 0.5 * 9.81 * T * T) / T]; // the answer without air
console.log(`launch at [${vx.toFixed(3)}, ${vy.toFixed(3)}] m/s (without drag it would be [${noDrag.map((x) => x.toFixed(3))}]); final miss ${distances.at(-1).toExponential(2)} m`);
check(distances.at(-1) < 1e-3, "the ball lands within a millimetre of the target");
check(vx > noDrag[0] && vy > noDrag[1], "drag calls for a faster throw than the drag-free answer");
finish();
