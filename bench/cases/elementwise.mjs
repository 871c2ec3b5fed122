// The fused elementwise chain tanh(2x+1)*x - exp(-x) over 4M float32: one read and one
// write per element if the library fuses (jit for webjax and jax-js; tfjs runs the six
// ops one by one). GB/s counts that ideal traffic, 2 * 4 * n bytes per call.
import { randomF32, webjaxReadback } from "../harness.mjs";

export const name = "elementwise";
export const summary = "fused chain tanh(2x+1)*x - exp(-x) on 4M float32 (jit), GB/s";

export function variants({ quick }) {
  const n = quick ? 1 << 18 : 1 << 22;
  return [
    {
      title: `tanh(2x+1)*x - exp(-x), n = ${n}`,
      unit: "GB/s",
      work: (2 * 4 * n) / 1e9,
      reps: quick ? 5 : 20,
      noDispose: true,
      make: () => ({ n, x: randomF32(n, 7, -3, 3) }),
      reference({ x }) {
        const want = new Float64Array(x.length);
        for (let i = 0; i < x.length; i++) want[i] = Math.tanh(2 * x[i] + 1) * x[i] - Math.exp(-x[i]);
        return { want, rtol: 1e-5, atol: 1e-5 };
      },
      impls: {
        webjax(lib, { x }) {
          const { jax, np } = lib;
          const f = jax.jit((x) => np.tanh(x.mul(2).add(1)).mul(x).sub(np.exp(x.neg())));
          const xa = np.array(x);
          return webjaxReadback(lib, f, xa);
        },
        "jax-js"({ jax, np }, { x }) {
          const f = jax.jit((x) => np.tanh(x.ref.mul(2).add(1)).mul(x.ref).sub(np.exp(x.neg())));
          const xa = np.array(x);
          return { run: () => f(xa.ref).data(), dispose: () => (xa.dispose(), f.dispose()) };
        },
        tfjs({ tf }, { x }) {
          const xt = tf.tensor1d(x);
          return {
            async run() {
              const y = tf.tidy(() => tf.sub(tf.mul(tf.tanh(tf.add(tf.mul(xt, 2), 1)), xt), tf.exp(tf.neg(xt))));
              const d = await y.data();
              y.dispose();
              return d;
            },
            dispose: () => xt.dispose(),
          };
        },
      },
    },
  ];
}
