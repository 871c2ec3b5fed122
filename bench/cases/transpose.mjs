// Transposes of float32 arrays, readback included: x.T + 1 (an elementwise kernel reading a
// transposed input) and x.T alone over 2048×2048, and a batched swap of the last two axes
// of [64, 256, 256]. jit for webjax and jax-js. GB/s counts one read and one write per element.
import { randomF32, webjaxReadback } from "../harness.mjs";

export const name = "transpose";
export const summary = "x.T + 1 and x.T over 2048×2048, [64,256,256] swapping the last two axes (jit), GB/s";

/** [title, shape, permutation, plus one?] */
const CASES = [
  ["x.T + 1", [2048, 2048], [1, 0], true],
  ["x.T", [2048, 2048], [1, 0], false],
  ["transpose(x, [0, 2, 1])", [64, 256, 256], [0, 2, 1], false],
];

/** `x` (row-major, `shape`) transposed by `perm`, plus `add` rounded to float32. */
function reference(x, shape, perm, add) {
  const outShape = perm.map((d) => shape[d]);
  const inStrides = shape.map((_, i) => shape.slice(i + 1).reduce((a, b) => a * b, 1));
  const want = new Float64Array(x.length);
  const idx = outShape.map(() => 0);
  for (let o = 0; o < x.length; o++) {
    let i = 0;
    for (let d = 0; d < perm.length; d++) i += idx[d] * inStrides[perm[d]];
    want[o] = Math.fround(x[i] + add); // float32 arithmetic, as every library does
    for (let d = outShape.length - 1; d >= 0 && ++idx[d] === outShape[d]; d--) idx[d] = 0;
  }
  return want;
}

export function variants({ quick }) {
  return CASES.map(([title, fullShape, perm, plus]) => {
    const shape = quick ? fullShape.map((n) => Math.max(1, n >> 2)) : fullShape;
    const n = shape.reduce((a, b) => a * b, 1);
    return {
      title: `${title}, x ${shape.join("×")}`,
      unit: "GB/s",
      work: (2 * 4 * n) / 1e9,
      reps: quick ? 5 : 20,
      make: () => ({ x: randomF32(n, 13, -1, 1) }),
      reference: ({ x }) => ({ want: reference(x, shape, perm, plus ? 1 : 0), rtol: 0, atol: 0 }),
      impls: {
        webjax(lib, { x }) {
          const { jax, np } = lib;
          const f = jax.jit((x) => (plus ? np.transpose(x, perm).add(1) : np.transpose(x, perm)));
          const xa = np.array(x).reshape(shape);
          return webjaxReadback(lib, f, xa);
        },
        "jax-js"({ jax, np }, { x }) {
          const f = jax.jit((x) => (plus ? x.transpose(perm).add(1) : x.transpose(perm)));
          const xa = np.array(x).reshape(shape);
          return { run: () => f(xa.ref).data(), dispose: () => (xa.dispose(), f.dispose()) };
        },
        tfjs({ tf }, { x }) {
          const xt = tf.tensor(x, shape);
          return {
            async run() {
              const y = tf.tidy(() => (plus ? tf.add(tf.transpose(xt, perm), 1) : tf.transpose(xt, perm)));
              const d = await y.data();
              y.dispose();
              return d;
            },
            dispose: () => xt.dispose(),
          };
        },
      },
    };
  });
}
