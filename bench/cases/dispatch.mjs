// Dispatch latency: the fixed cost of one call on a 4-element array, readback included,
// where the arithmetic is nothing. Each timed repetition runs a batch of calls
// back to back and reports the time per call.
export const name = "dispatch";
export const summary = "tiny jitted call and one eager add on 4 floats, incl. readback, µs per call";

const X = Float32Array.of(0.5, -1.25, 2, 3.5);
const Y = Float32Array.of(1, 2, -3, 0.25);

/** tfjs has no jit: its "tiny function" is the same two ops in a tidy. */
function tiny(readback) {
  const sync = readback === "dataSync()";
  return {
    title: `jit(x => x*2 + 1), then ${readback}`,
    sync,
    reference: () => ({ want: Float64Array.from(X, (v) => v * 2 + 1), rtol: 0, atol: 0 }),
    noDispose: true,
    impls: {
      webjax(lib) {
        const { jax, np } = lib;
        const f = jax.jit((x) => x.mul(2).add(1));
        const x = np.array(X);
        const run = sync
          ? () => {
              const y = f(x);
              const d = y.dataSync();
              if (!lib.noDispose) y.dispose();
              return d;
            }
          : async () => {
              const y = f(x);
              const d = await y.data();
              if (!lib.noDispose) y.dispose();
              return d;
            };
        return { run, dispose: () => x.dispose() };
      },
      "jax-js"({ jax, np }) {
        const f = jax.jit((x) => x.mul(2).add(1));
        const x = np.array(X);
        const run = sync ? () => f(x.ref).dataSync() : () => f(x.ref).data();
        return { run, dispose: () => (x.dispose(), f.dispose()) };
      },
      tfjs({ tf }) {
        const x = tf.tensor1d(X);
        const op = () => tf.tidy(() => tf.add(tf.mul(x, 2), 1));
        const run = sync
          ? () => {
              const y = op();
              const d = y.dataSync();
              y.dispose();
              return d;
            }
          : async () => {
              const y = op();
              const d = await y.data();
              y.dispose();
              return d;
            };
        return { run, dispose: () => x.dispose() };
      },
    },
  };
}

const eagerAdd = {
  title: "eager x + y, then dataSync()",
  sync: true,
  reference: () => ({ want: Float64Array.from(X, (v, i) => Math.fround(v + Y[i])), rtol: 0, atol: 0 }),
  noDispose: true,
  impls: {
    webjax(lib) {
      const { np } = lib;
      const x = np.array(X);
      const y = np.array(Y);
      return {
        run() {
          const z = x.add(y);
          const d = z.dataSync();
          if (!lib.noDispose) z.dispose();
          return d;
        },
        dispose: () => (x.dispose(), y.dispose()),
      };
    },
    "jax-js"({ np }) {
      const x = np.array(X);
      const y = np.array(Y);
      return { run: () => x.ref.add(y.ref).dataSync(), dispose: () => (x.dispose(), y.dispose()) };
    },
    tfjs({ tf }) {
      const x = tf.tensor1d(X);
      const y = tf.tensor1d(Y);
      return {
        run() {
          const z = tf.add(x, y);
          const d = z.dataSync();
          z.dispose();
          return d;
        },
        dispose: () => (x.dispose(), y.dispose()),
      };
    },
  },
};

export function variants({ quick }) {
  const timing = quick ? { reps: 5, batch: 50, warmup: 2 } : { reps: 40, batch: 200, warmup: 10 };
  return [tiny("dataSync()"), tiny("await data()"), eagerAdd].map((v) => ({ ...v, unit: null, ...timing }));
}
