// Reductions over a 2048×2048 float32 array (4M elements): sum over everything, over
// each axis, max and mean. jit for webjax and jax-js. GB/s counts one read of the input.
import { randomF32, webjaxReadback } from "../harness.mjs";

export const name = "reductions";
export const summary = "sum (all, axis 0, axis 1), max, mean over 2048×2048 float32 (jit), GB/s";

/** [label, webjax/jax-js numpy call, tfjs call, float64 reference]; axis null = everything. */
const OPS = [
  ["sum", null],
  ["sum", 0],
  ["sum", 1],
  ["max", null],
  ["max", 1],
  ["mean", null],
];

function reference(op, axis, x, rows, cols) {
  const init = op === "max" ? -Infinity : 0;
  const nOut = axis === null ? 1 : axis === 0 ? cols : rows;
  const want = new Float64Array(nOut).fill(init);
  const scales = new Float64Array(nOut);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      const v = x[i * cols + j];
      const o = axis === null ? 0 : axis === 0 ? j : i;
      want[o] = op === "max" ? Math.max(want[o], v) : want[o] + v;
      scales[o] += Math.abs(v);
    }
  }
  if (op === "mean") {
    for (let o = 0; o < nOut; o++) {
      want[o] /= rows * cols;
      scales[o] /= rows * cols;
    }
  }
  // Sums are checked against Σ|x|: float32 accumulation order differs between libraries
  // (jax-js and tfjs are 2.5e-5 off over 4M elements); a lost row of 2048 is 5e-4.
  return op === "max" ? { want, rtol: 0, atol: 0 } : { want, scales, rtol: 1e-4, atol: 1e-6 };
}

export function variants({ quick }) {
  const rows = quick ? 512 : 2048;
  const cols = quick ? 512 : 2048;
  const ops = quick ? OPS.filter(([, axis]) => axis !== 0) : OPS;
  return ops.map(([op, axis]) => ({
    title: `${op}(x${axis === null ? "" : `, axis=${axis}`}), x ${rows}×${cols}`,
    unit: "GB/s",
    work: (4 * rows * cols) / 1e9,
    reps: quick ? 5 : 20,
    make: () => ({ x: randomF32(rows * cols, 11, 0, 1) }),
    reference: ({ x }) => reference(op, axis, x, rows, cols),
    impls: {
      webjax(lib, { x }) {
        const { jax, np } = lib;
        const opts = axis === null ? {} : { axis };
        const f = jax.jit((x) => np[op](x, opts));
        const xa = np.array(x).reshape([rows, cols]);
        return webjaxReadback(lib, f, xa);
      },
      "jax-js"({ jax, np }, { x }) {
        const f = jax.jit((x) => np[op](x, axis));
        const xa = np.array(x).reshape([rows, cols]);
        return { run: () => f(xa.ref).data(), dispose: () => (xa.dispose(), f.dispose()) };
      },
      tfjs({ tf }, { x }) {
        const tfOp = { sum: tf.sum, max: tf.max, mean: tf.mean }[op];
        const xt = tf.tensor2d(x, [rows, cols]);
        return {
          async run() {
            const y = tfOp(xt, axis ?? undefined);
            const d = await y.data();
            y.dispose();
            return d;
          },
          dispose: () => xt.dispose(),
        };
      },
    },
  }));
}
