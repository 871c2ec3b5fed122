// Data parallelism over worker devices (issue 19), webjax alone: the same work on 2 devices
// (each device one thread) against 1 device, and beside them the threaded single-device jit of
// the same function (its kernels on every thread), so users see which to pick.
//   node bench/pmap.mjs [--quick] [--reps=N]      (`npm run bench` runs it as the `pmap` case)
// Cases: one SGD step of a 784-256-10 MLP on a batch of 512 (per-device gradients averaged
// with pmean; the parameters stay replicated on the devices, the batch split over them), and
// a 2048x2048 float32 matmul split by rows (B replicated). Every configuration's result is
// checked against the threaded jit's; times are medians of interleaved runs (one run of each
// configuration in turn, the order rotating), readback included.
import process from "node:process";

import { describeRuntime, formatTable, formatTime, median, randomF32 } from "./harness.mjs";

const args = process.argv.slice(2);
const quick = args.includes("--quick");
const repsArg = args.find((a) => a.startsWith("--reps="));

const jax = await import(new URL("../dist/webjax.mjs", import.meta.url).href);
const { numpy: np, lax } = jax;
await jax.init({ devices: 2 });
const backend = jax.getBackend("wasm");
const rt = backend.runtime;
console.log(`# webjax pmap bench${quick ? " (--quick: smoke sizes, not a measurement)" : ""}\n${describeRuntime()}`);
console.log(`webjax ${rt.variant}: ${rt.threads} kernel threads, devices ${jax.devices().map(String).join(", ")}` +
  (backend.whyDevicesSerial() ? `; devices run one at a time here: ${backend.whyDevicesSerial()}` : "; each device runs on a thread of its own"));

/**
 * How much of a second core this process gets now (the machine is shared): the same busy loop
 * on one worker thread and on two at once; 2.0 means two free cores, 1.0 one.
 */
async function coresAvailable() {
  const { Worker } = await import("node:worker_threads");
  const code = `const { parentPort } = require("node:worker_threads"); let x = 0; for (let i = 0; i < 1e8; i++) x += i % 7; parentPort.postMessage(x);`;
  const run = async (n) => {
    const t0 = performance.now();
    await Promise.all(Array.from({ length: n }, () => new Promise((r) => {
      const w = new Worker(code, { eval: true });
      w.on("message", () => (w.terminate(), r()));
    })));
    return performance.now() - t0;
  };
  const one = await run(1), two = await run(2);
  return (2 * one) / two;
}
if (!("Deno" in globalThis)) console.log(`cores available to this process now (2 busy threads' throughput over 1's): ${(await coresAvailable()).toFixed(2)}`);

/**
 * The CPU time of the whole process, every thread (ms; NaN where the runtime cannot say): with
 * the wall time it shows whether the devices split the work or the machine withheld a core
 * (2 devices in about 1 device's CPU time but not half its wall time: the cores were busy).
 */
function cpuMs() {
  try {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1000;
  } catch {
    return NaN;
  }
}

const [d0, d1] = jax.devices();
const meshes = { "pmap, 2 devices": [d0, d1], "pmap, 1 device": [d0] };

/** The MLP: params [w1, b1, w2, b2]; loss: softmax cross-entropy; SGD, lr 0.1. */
function mlpCase(batch) {
  const [nIn, nHid, nOut] = [784, 256, 10];
  const params = [np.array(randomF32(nIn * nHid, 1, -0.05, 0.05)).reshape([nIn, nHid]), np.zeros([nHid]),
    np.array(randomF32(nHid * nOut, 2, -0.1, 0.1)).reshape([nHid, nOut]), np.zeros([nOut])];
  const x = np.array(randomF32(batch * nIn, 3, 0, 1)).reshape([batch, nIn]);
  const labels = Int32Array.from({ length: batch }, (_, i) => (i * 7) % nOut);
  const y = np.array(Float32Array.from({ length: batch * nOut }, (_, k) => (labels[Math.floor(k / nOut)] === k % nOut ? 1 : 0))).reshape([batch, nOut]);
  const loss = ([w1, b1, w2, b2], xb, yb) => {
    const h = np.maximum(xb.matmul(w1).add(b1), 0);
    const logits = h.matmul(w2).add(b2);
    const logp = logits.sub(jax.numpy.logsumexp(logits, { axis: 1, keepdims: true }));
    return logp.mul(yb).sum().neg().div(xb.shape[0]);
  };
  const sgd = (p, g) => p.map((w, k) => w.sub(g[k].mul(0.1)));
  const step = jax.jit((p, xb, yb) => {
    const [l, g] = jax.valueAndGrad(loss)(p, xb, yb);
    return [sgd(p, g), l];
  });
  const configs = { "jit, threaded": () => {
    let p = params.map((w) => w);
    return () => {
      const [p2, l] = step(p, x, y);
      p = p2;
      return l.item();
    };
  } };
  for (const [name, devs] of Object.entries(meshes)) {
    configs[name] = () => {
      const n = devs.length;
      const pstep = jax.pmap((p, xb, yb) => {
        const [l, g] = jax.valueAndGrad(loss)(p, xb, yb);
        return [sgd(p, lax.pmean(g, "i")), lax.pmean(l, "i")];
      }, "i", { inAxes: [null, 0, 0], outAxes: null, devices: devs });
      // The batch split over the devices once (a data pipeline would deliver it so).
      const shard = (a) => jax.devicePut(a.reshape([n, batch / n, ...a.shape.slice(1)]), jax.sharding.NamedSharding(jax.sharding.Mesh(devs, "i"), jax.P("i")));
      const xs = shard(x), ys = shard(y);
      let p = params.map((w) => w);
      return () => {
        const [p2, l] = pstep(p, xs, ys);
        p = p2;
        return l.item();
      };
    };
  }
  return { title: `MLP 784-256-10 SGD step, batch ${batch}`, configs, check: (a, b) => Math.abs(a - b) <= 1e-4 * Math.max(1, Math.abs(b)) };
}

function matmulCase(n) {
  const a = np.array(randomF32(n * n, 4)).reshape([n, n]);
  const b = np.array(randomF32(n * n, 5)).reshape([n, n]);
  const mm = jax.jit((x, w) => x.matmul(w));
  const configs = { "jit, threaded": () => () => mm(a, b).dataSync() };
  for (const [name, devs] of Object.entries(meshes)) {
    configs[name] = () => {
      const mesh = jax.sharding.Mesh(devs, "i");
      const f = jax.jit(jax.shardMap((x, w) => x.matmul(w), { mesh, inSpecs: [jax.P("i"), jax.P()], outSpecs: jax.P("i") }));
      const as = jax.devicePut(a, jax.sharding.NamedSharding(mesh, jax.P("i")));
      return () => f(as, b).dataSync();
    };
  }
  const check = (got, want) => got.length === want.length && got.every((v, i) => Math.abs(v - want[i]) <= 1e-4 * (1 + Math.abs(want[i])));
  return { title: `matmul ${n}x${n} by rows`, configs, check };
}

const cases = quick ? [mlpCase(64), matmulCase(256)] : [mlpCase(512), matmulCase(2048)];
const reps = repsArg ? Number(repsArg.slice(7)) : quick ? 3 : 9;
let failed = false;
for (const c of cases) {
  const names = Object.keys(c.configs);
  const runs = Object.fromEntries(names.map((k) => [k, c.configs[k]()]));
  // Each configuration's first result (from the same start) against the threaded jit's.
  const first = Object.fromEntries(names.map((k) => [k, runs[k]()]));
  for (const k of names) {
    if (!c.check(first[k], first["jit, threaded"])) {
      console.log(`WRONG: ${c.title}, ${k}`);
      failed = true;
    }
  }
  const times = Object.fromEntries(names.map((k) => [k, []]));
  const cpu = Object.fromEntries(names.map((k) => [k, []]));
  for (let r = -2; r < reps; r++) {
    for (let i = 0; i < names.length; i++) {
      const k = names[(i + Math.max(r, 0)) % names.length];
      const c0 = cpuMs(), t0 = performance.now();
      runs[k]();
      const t1 = performance.now(), c1 = cpuMs();
      if (r >= 0) {
        times[k].push(t1 - t0);
        cpu[k].push(c1 - c0);
      }
    }
  }
  const med = Object.fromEntries(names.map((k) => [k, median(times[k])]));
  const one = med["pmap, 1 device"];
  console.log(`\n### ${c.title}`);
  console.log(formatTable(["configuration", "median", "min", "speed over 1 device", "CPU time (all threads)"], names.map((k) => [
    k, formatTime(med[k]), formatTime(Math.min(...times[k])), `${(one / med[k]).toFixed(2)}x`,
    Number.isNaN(cpu[k][0]) ? "n/a" : formatTime(median(cpu[k])),
  ])));
}
if (!("Deno" in globalThis)) console.log(`\ncores available at the end: ${(await coresAvailable()).toFixed(2)}`);
if (failed) console.log("\nFAILED: a configuration computed a wrong result.");
process.exit(failed ? 1 : 0);
