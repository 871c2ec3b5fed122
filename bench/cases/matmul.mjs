// float32 C = A·B for square n×n operands through each library's public API: jit(np.matmul)
// for webjax and jax-js, tf.matMul for tfjs, with the readback of C in the timed region.
// (bench/matmul.mjs, the GEMM kernel bench, times webjax's kernel alone: the `gemm-kernel` case.)
import { randomF32 } from "../harness.mjs";

export const name = "matmul";
export const summary = "float32 matmul n×n·n×n, n = 256..2048 (jit), GFLOP/s and % of peak";

// SIMD128 has no FMA: f32x4 mul + add peaks near 24 GFLOP/s per core on this kind of
// machine, so ~47 GFLOP/s on 2 cores is the ceiling for all three libraries.
export const PEAK_GFLOPS = 47;

const SAMPLES = 256;

export function variants({ quick, gpu, sizes: only }) {
  // A software WebGPU adapter (llvmpipe, SwiftShader) runs 2048 in seconds per call: up to 1024 there.
  const sizes = only ?? (quick ? [128, 256] : gpu?.software ? [256, 512, 1024] : [256, 512, 1024, 2048]);
  return sizes.map((n) => ({
    title: `n = ${n}`,
    unit: "GFLOP/s",
    work: (2 * n ** 3) / 1e9,
    peak: PEAK_GFLOPS,
    reps: quick ? 3 : n <= 256 ? 50 : n <= 512 ? 20 : n <= 1024 ? 10 : n <= 2048 ? 5 : 3,
    make: () => ({ n, a: randomF32(n * n, 1), b: randomF32(n * n, 2) }),
    // A JS float64 product of all of C at 2048 takes too long: check a spread of entries,
    // each against Σ|a||b| (float32 accumulation error grows with that, not with |c|).
    reference({ n, a, b }) {
      const indices = [];
      const want = [];
      const scales = [];
      for (let s = 0; s < SAMPLES; s++) {
        const i = (s * 7919) % n;
        const j = (s * 104729 + 13) % n;
        let acc = 0;
        let abs = 0;
        for (let k = 0; k < n; k++) {
          const p = a[i * n + k] * b[k * n + j];
          acc += p;
          abs += Math.abs(p);
        }
        indices.push(i * n + j);
        want.push(acc);
        scales.push(abs);
      }
      return { want, indices, scales, rtol: 1e-5, atol: 1e-6 };
    },
    impls: {
      webjax({ jax, np }, { n, a, b }) {
        const f = jax.jit((x, y) => np.matmul(x, y));
        const x = np.array(a).reshape([n, n]);
        const y = np.array(b).reshape([n, n]);
        return {
          async run() {
            const z = f(x, y);
            const d = await z.data();
            z.dispose();
            return d;
          },
          dispose: () => (x.dispose(), y.dispose()),
        };
      },
      "jax-js"({ jax, np }, { n, a, b }) {
        const f = jax.jit((x, y) => np.matmul(x, y));
        const x = np.array(a).reshape([n, n]);
        const y = np.array(b).reshape([n, n]);
        return { run: () => f(x.ref, y.ref).data(), dispose: () => (x.dispose(), y.dispose(), f.dispose()) };
      },
      tfjs({ tf }, { n, a, b }) {
        const x = tf.tensor2d(a, [n, n]);
        const y = tf.tensor2d(b, [n, n]);
        return {
          async run() {
            const z = tf.matMul(x, y);
            const d = await z.data();
            z.dispose();
            return d;
          },
          dispose: () => (x.dispose(), y.dispose()),
        };
      },
    },
  }));
}
