// One SGD step of a 784-256-10 MLP (relu, softmax cross-entropy) at batch 128: a jitted
// value-and-grad plus the parameter update for webjax and jax-js, optimizer.minimize for
// tfjs. Each timed step starts from the previous step's parameters and reads the loss
// back. The check runs one step from the same start in every library and compares the
// loss and the update (new - old) / lr, which is the gradient, with a float64 reference.
import { randomF32 } from "../harness.mjs";

export const name = "mlp";
export const summary = "784-256-10 MLP SGD step, batch 128 (jit value-and-grad + update), ms";

const LR = 0.1;
const PARAMS = ["W1", "b1", "W2", "b2"]; // the order results are compared in

function makeInputs(batch, d, hidden, classes) {
  const glorot = (fanIn, fanOut) => Math.sqrt(6 / (fanIn + fanOut));
  const a1 = glorot(d, hidden);
  const a2 = glorot(hidden, classes);
  const y = new Float32Array(batch * classes);
  for (let i = 0; i < batch; i++) y[i * classes + ((i * 7) % classes)] = 1;
  return {
    dims: { batch, d, hidden, classes },
    x: randomF32(batch * d, 21, 0, 1),
    y,
    params: {
      W1: randomF32(d * hidden, 22, -a1, a1),
      b1: randomF32(hidden, 23, -0.1, 0.1),
      W2: randomF32(hidden * classes, 24, -a2, a2),
      b2: randomF32(classes, 25, -0.1, 0.1),
    },
  };
}

/** The loss and the gradients in float64, written out: forward, then backward by hand. */
function referenceStep({ dims: { batch: B, d: D, hidden: H, classes: C }, x, y, params: { W1, b1, W2, b2 } }) {
  const z1 = new Float64Array(B * H);
  for (let i = 0; i < B; i++) {
    const row = z1.subarray(i * H, (i + 1) * H);
    row.set(b1);
    for (let k = 0; k < D; k++) {
      const xv = x[i * D + k];
      if (xv === 0) continue;
      for (let j = 0; j < H; j++) row[j] += xv * W1[k * H + j];
    }
  }
  const h = z1.map((v) => Math.max(v, 0));
  const dlogits = new Float64Array(B * C);
  let loss = 0;
  for (let i = 0; i < B; i++) {
    const logits = new Float64Array(C);
    for (let c = 0; c < C; c++) {
      let s = b2[c];
      for (let j = 0; j < H; j++) s += h[i * H + j] * W2[j * C + c];
      logits[c] = s;
    }
    const m = Math.max(...logits);
    let se = 0;
    for (let c = 0; c < C; c++) se += Math.exp(logits[c] - m);
    const lse = Math.log(se) + m;
    for (let c = 0; c < C; c++) {
      loss += (y[i * C + c] * (lse - logits[c])) / B;
      dlogits[i * C + c] = (Math.exp(logits[c] - lse) - y[i * C + c]) / B;
    }
  }
  const gW2 = new Float64Array(H * C);
  const gb2 = new Float64Array(C);
  const dz1 = new Float64Array(B * H);
  for (let i = 0; i < B; i++) {
    for (let c = 0; c < C; c++) {
      const g = dlogits[i * C + c];
      gb2[c] += g;
      for (let j = 0; j < H; j++) {
        gW2[j * C + c] += h[i * H + j] * g;
        if (z1[i * H + j] > 0) dz1[i * H + j] += g * W2[j * C + c];
      }
    }
  }
  const gW1 = new Float64Array(D * H);
  const gb1 = new Float64Array(H);
  for (let i = 0; i < B; i++) {
    for (let j = 0; j < H; j++) gb1[j] += dz1[i * H + j];
    for (let k = 0; k < D; k++) {
      const xv = x[i * D + k];
      if (xv === 0) continue;
      for (let j = 0; j < H; j++) gW1[k * H + j] += xv * dz1[i * H + j];
    }
  }
  return { loss, grads: { W1: gW1, b1: gb1, W2: gW2, b2: gb2 } };
}

/** One flat array: the loss, then each parameter's values in PARAMS order. */
function flat(loss, perParam) {
  const out = new Float64Array(1 + PARAMS.reduce((n, k) => n + perParam[k].length, 0));
  out[0] = loss;
  let o = 1;
  for (const k of PARAMS) {
    out.set(perParam[k], o);
    o += perParam[k].length;
  }
  return out;
}

/** The loss and the gradient each library applied, (old - new) / lr, from host copies. */
function lossAndUpdate(loss, oldParams, newParams) {
  const grads = {};
  for (const k of PARAMS) grads[k] = Float64Array.from(newParams[k], (v, i) => (oldParams[k][i] - v) / LR);
  return flat(loss, grads);
}

export function variants({ quick }) {
  return [
    {
      title: "784-256-10, batch 128, SGD lr 0.1",
      unit: null,
      reps: quick ? 5 : 30,
      warmup: 3,
      noDispose: true,
      make: () => makeInputs(128, 784, 256, 10),
      reference(inputs) {
        const { loss, grads } = referenceStep(inputs);
        const want = flat(loss, grads);
        // Updates read back through float32 parameters lose ~ulp(p)/lr ≈ 1e-7 absolute.
        return { want, rtol: 2e-3, atol: 2e-6 };
      },
      impls: {
        webjax(lib, { dims, x, y, params }) {
          const { jax, np } = lib;
          const lossFn = (p, x, y) => {
            const h = np.maximum(np.matmul(x, p.W1).add(p.b1), 0);
            const logits = np.matmul(h, p.W2).add(p.b2);
            const m = np.max(logits, { axis: 1, keepdims: true });
            const lse = np.log(np.sum(np.exp(logits.sub(m)), { axis: 1, keepdims: true })).add(m);
            return lse.sub(np.sum(y.mul(logits), { axis: 1, keepdims: true })).mean();
          };
          const step = jax.jit((p, x, y) => {
            const [loss, g] = jax.valueAndGrad(lossFn)(p, x, y);
            return [loss, jax.tree.map((w, gw) => w.sub(gw.mul(LR)), p, g)];
          });
          const xa = np.array(x).reshape([dims.batch, dims.d]);
          const ya = np.array(y).reshape([dims.batch, dims.classes]);
          let p = {
            W1: np.array(params.W1).reshape([dims.d, dims.hidden]),
            b1: np.array(params.b1),
            W2: np.array(params.W2).reshape([dims.hidden, dims.classes]),
            b2: np.array(params.b2),
          };
          const stepOnce = () => {
            const [loss, next] = step(p, xa, ya);
            if (!lib.noDispose) for (const k of PARAMS) p[k].dispose();
            p = next;
            return loss;
          };
          return {
            async first() {
              const loss = stepOnce();
              const l = (await loss.data())[0];
              loss.dispose();
              const fresh = {};
              for (const k of PARAMS) fresh[k] = await p[k].data();
              return lossAndUpdate(l, params, fresh);
            },
            async run() {
              const loss = stepOnce();
              const d = await loss.data();
              if (!lib.noDispose) loss.dispose();
              return d;
            },
            dispose: () => [xa, ya, ...PARAMS.map((k) => p[k])].forEach((a) => a.dispose()),
          };
        },
        "jax-js"({ jax, np }, { dims, x, y, params }) {
          // jax-js counts references: every use but the last of an array takes `.ref`.
          const lossFn = (p, x, y) => {
            const h = np.maximum(np.matmul(x, p.W1).add(p.b1), 0);
            const logits = np.matmul(h, p.W2).add(p.b2);
            const m = np.max(logits.ref, 1, { keepdims: true });
            const lse = np.log(np.sum(np.exp(logits.ref.sub(m.ref)), 1, { keepdims: true })).add(m);
            return lse.sub(np.sum(y.mul(logits), 1, { keepdims: true })).mean();
          };
          const step = jax.jit((p, x, y) => {
            const [loss, g] = jax.valueAndGrad(lossFn)(jax.tree.ref(p), x, y);
            return [loss, jax.tree.map((w, gw) => w.sub(gw.mul(LR)), p, g)];
          });
          const xa = np.array(x).reshape([dims.batch, dims.d]);
          const ya = np.array(y).reshape([dims.batch, dims.classes]);
          let p = {
            W1: np.array(params.W1).reshape([dims.d, dims.hidden]),
            b1: np.array(params.b1),
            W2: np.array(params.W2).reshape([dims.hidden, dims.classes]),
            b2: np.array(params.b2),
          };
          const stepOnce = () => {
            const [loss, next] = step(p, xa.ref, ya.ref); // consumes the old parameters
            p = next;
            return loss;
          };
          return {
            async first() {
              const l = (await stepOnce().data())[0];
              const fresh = {};
              for (const k of PARAMS) fresh[k] = await p[k].ref.data();
              return lossAndUpdate(l, params, fresh);
            },
            run: () => stepOnce().data(),
            dispose: () => ([xa, ya, ...PARAMS.map((k) => p[k])].forEach((a) => a.dispose()), step.dispose()),
          };
        },
        tfjs({ tf }, { dims, x, y, params }) {
          const xt = tf.tensor2d(x, [dims.batch, dims.d]);
          const yt = tf.tensor2d(y, [dims.batch, dims.classes]);
          const p = {
            W1: tf.variable(tf.tensor2d(params.W1, [dims.d, dims.hidden])),
            b1: tf.variable(tf.tensor1d(params.b1)),
            W2: tf.variable(tf.tensor2d(params.W2, [dims.hidden, dims.classes])),
            b2: tf.variable(tf.tensor1d(params.b2)),
          };
          const lossFn = () => {
            const h = tf.relu(tf.add(tf.matMul(xt, p.W1), p.b1));
            const logits = tf.add(tf.matMul(h, p.W2), p.b2);
            const m = tf.max(logits, 1, true);
            const lse = tf.add(tf.log(tf.sum(tf.exp(tf.sub(logits, m)), 1, true)), m);
            return tf.mean(tf.sub(lse, tf.sum(tf.mul(yt, logits), 1, true)));
          };
          const opt = tf.train.sgd(LR);
          const run = async () => {
            const cost = opt.minimize(lossFn, true, PARAMS.map((k) => p[k]));
            const d = await cost.data();
            cost.dispose();
            return d;
          };
          return {
            async first() {
              const l = (await run())[0];
              const fresh = {};
              for (const k of PARAMS) fresh[k] = await p[k].data();
              return lossAndUpdate(l, params, fresh);
            },
            run,
            dispose: () => [xt, yt, ...PARAMS.map((k) => p[k])].forEach((a) => a.dispose()),
          };
        },
      },
    },
  ];
}
