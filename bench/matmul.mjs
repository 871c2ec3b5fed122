// float32 matmul C = A·B (square n×n): webjax's GEMM kernel side by side with jax-js and
// TensorFlow.js-wasm in one process.
//
//   node bench/matmul.mjs [sizes...] [--reps=N] [--only=webjax,jax-js,tfjs] [--threads=N] [--webjax=FILE]
//
// after `npm run build` (dist/webjax.mjs; it loads wasm/ from scripts/build-wasm.sh).
// What one timed run covers (the libraries take turns, run by run; the table gives each
// one's median, after a warm-up of 3+ runs and 0.3 s):
//   webjax   wj_gemm_f32 called directly on operands already in wasm memory (the kernel
//            alone: no tracing, no dispatch), then the result copied out to a Float32Array
//   jax-js   np.matmul on arrays already on its wasm device, then `await y.data()`
//   tfjs     tf.matMul on tensors already on its wasm backend, then `await y.data()`
// so each includes the readback its users need to see the result.
import os from "node:os";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";

// The ceiling: SIMD128 has no FMA, and f32x4 mul + add was estimated at ~24 GFLOP/s
// per core, ~47 on 2 cores. (On Zen 4, with two FMUL and two FADD pipes, a mul + add loop
// measures ~50 GFLOP/s on one core, so this column can pass 100% there.)
const PEAK_GFLOPS = 47;

const args = process.argv.slice(2);
const sizes = args.filter((a) => /^\d+$/.test(a)).map(Number);
if (sizes.length === 0) sizes.push(256, 512, 1024, 2048);
const repsArg = args.find((a) => a.startsWith("--reps="));
const only = args.find((a) => a.startsWith("--only="))?.slice(7).split(",");
// The built bundle by default; --webjax=FILE loads another build of the library (e.g. the
// tsc output, build/ts/index.js) that exports loadWasmRuntime.
const webjaxArg = args.find((a) => a.startsWith("--webjax="))?.slice(9);
// --threads=N runs webjax on N threads (1: the kernel against the single-threaded peers).
const threadsArg = args.find((a) => a.startsWith("--threads="))?.slice(10);
const webjaxModule = webjaxArg ? new URL(webjaxArg, `file://${process.cwd()}/`).href : new URL("../dist/webjax.mjs", import.meta.url).href;

/** Runs per size: enough for a stable median without minutes at 2048². */
function repsFor(n) {
  if (repsArg) return Number(repsArg.slice(7));
  return n <= 256 ? 50 : n <= 512 ? 20 : n <= 1024 ? 10 : 5;
}

function randomF32(len, seed) {
  const x = new Float32Array(len);
  let s = seed >>> 0;
  for (let i = 0; i < len; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    x[i] = s / 2 ** 32 - 0.5;
  }
  return x;
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** Runs `run` until the engine has tiered it up: 3+ runs and 0.3 s. */
async function warmUp(run) {
  const start = performance.now();
  for (let i = 0; i < 3 || (i < 50 && performance.now() - start < 300); i++) await run();
}

/**
 * Times the libraries' runs round-robin, `reps` rounds, so that a burst of other load on
 * the machine hits every library alike; returns each one's median in ms.
 */
async function timeRoundRobin(runs, reps) {
  for (const run of runs) await warmUp(run);
  const times = runs.map(() => []);
  for (let r = 0; r < reps; r++) {
    for (const [i, run] of runs.entries()) {
      const t0 = performance.now();
      await run();
      times[i].push(performance.now() - t0);
    }
  }
  return times.map(median);
}

/** max |got - want| / max |want|, to check every library computed the same thing. */
function relError(got, want) {
  let err = 0;
  let scale = 0;
  for (let i = 0; i < want.length; i++) {
    err = Math.max(err, Math.abs(got[i] - want[i]));
    scale = Math.max(scale, Math.abs(want[i]));
  }
  return err / scale;
}

// --- the libraries -----------------------------------------------------------------

async function setupWebjax() {
  const { loadWasmRuntime } = await import(webjaxModule);
  const rt = await loadWasmRuntime(threadsArg ? { threads: Number(threadsArg) } : {});
  const k = rt.kernels;
  return {
    name: "webjax",
    threads: `${rt.variant}, ${rt.threads} threads`,
    async prepare(n, a, b) {
      const bytes = n * n * 4;
      const pa = k.malloc(bytes);
      const pb = k.malloc(bytes);
      const pc = k.malloc(bytes);
      new Float32Array(k.memory.buffer, pa, n * n).set(a);
      new Float32Array(k.memory.buffer, pb, n * n).set(b);
      const run = () => {
        k.exports.wj_gemm_f32(pa, pb, pc, 1, n, n, n, n * n, n, 1, n * n, n, 1, n * n, n);
        return new Float32Array(k.memory.buffer, pc, n * n).slice();
      };
      const result = run();
      const ran = rt.lastThreadIds();
      return {
        run,
        result,
        note: `ran on threads [${ran.join(",")}]`,
        dispose() {
          k.free(pa);
          k.free(pb);
          k.free(pc);
        },
      };
    },
  };
}

async function setupJaxJs() {
  const jax = await import("@jax-js/jax");
  // init() with no argument also probes WebGPU, which throws in Node 20 (no `navigator`).
  const devices = await jax.init("wasm");
  if (!devices.includes("wasm")) throw new Error(`jax-js has no wasm device (${devices})`);
  jax.defaultDevice("wasm");
  const np = jax.numpy;
  return {
    name: "jax-js",
    // jax-js runs a worker pool only where both SharedArrayBuffer and a global Worker exist.
    threads: typeof SharedArrayBuffer !== "undefined" && typeof Worker !== "undefined" ? "wasm, worker pool" : "wasm, 1 thread (no global Worker here)",
    async prepare(n, a, b) {
      const x = np.array(a).reshape([n, n]);
      const y = np.array(b).reshape([n, n]);
      await x.blockUntilReady();
      await y.blockUntilReady();
      // data() realises the product and disposes it; x and y stay alive through .ref.
      const run = () => np.matmul(x.ref, y.ref).data();
      const result = await run();
      return { run, result, dispose: () => (x.dispose(), y.dispose()) };
    },
  };
}

async function setupTfjs() {
  const tf = await import("@tensorflow/tfjs-core");
  const wasm = await import("@tensorflow/tfjs-backend-wasm");
  tf.env().set("PROD", true);
  wasm.setWasmPaths(fileURLToPath(new URL("../node_modules/@tensorflow/tfjs-backend-wasm/dist/", import.meta.url)));
  if (!(await tf.setBackend("wasm"))) throw new Error("setBackend('wasm') failed");
  await tf.ready();
  return {
    name: "tfjs",
    // tfjs turns wasm threads off wherever it sees `process.versions.node` (tfjs#3830).
    threads: `${tf.getBackend()}, ${wasm.getThreadsCount()} thread(s)`,
    async prepare(n, a, b) {
      const x = tf.tensor2d(a, [n, n]);
      const y = tf.tensor2d(b, [n, n]);
      const run = async () => {
        const z = tf.matMul(x, y);
        const d = await z.data();
        z.dispose();
        return d;
      };
      const result = await run();
      return { run, result, dispose: () => (x.dispose(), y.dispose()) };
    },
  };
}

// --- main --------------------------------------------------------------------------

const setups = { webjax: setupWebjax, "jax-js": setupJaxJs, tfjs: setupTfjs };
const libs = [];
for (const [name, setup] of Object.entries(setups)) {
  if (only && !only.includes(name)) continue;
  try {
    const lib = await setup();
    libs.push(lib);
    console.log(`${name}: ${lib.threads}`);
  } catch (e) {
    console.log(`${name}: unavailable (${e.message})`);
  }
}
const engine = globalThis.Deno ? `deno ${Deno.version.deno}` : `node ${process.version}`;
console.log(`${engine} (V8 ${process.versions.v8}), ${os.cpus().length} cores (${os.cpus()[0]?.model}); float32 C = A·B, median GFLOP/s\n`);

const header = ["n", "reps", ...libs.map((l) => l.name), "vs best peer", "of 47 peak"];
const rows = [];
for (const n of sizes) {
  const reps = repsFor(n);
  const a = randomF32(n * n, 1);
  const b = randomF32(n * n, 2);
  const prepared = [];
  for (const lib of libs) {
    const p = await lib.prepare(n, a, b);
    const err = prepared.length ? relError(p.result, prepared[0].result) : 0;
    if (err > 1e-4) console.log(`  warning: ${lib.name} at n=${n} differs from ${libs[0].name} by ${err.toExponential(2)}`);
    if (p.note) console.log(`  ${lib.name} n=${n}: ${p.note}`);
    prepared.push(p);
  }
  const ms = await timeRoundRobin(prepared.map((p) => p.run), reps);
  const gflops = {};
  libs.forEach((lib, i) => (gflops[lib.name] = (2 * n ** 3) / (ms[i] * 1e6)));
  for (const p of prepared) p.dispose();
  const peers = libs.filter((l) => l.name !== "webjax").map((l) => gflops[l.name]);
  const ours = gflops.webjax;
  const best = peers.length ? Math.max(...peers) : NaN;
  rows.push([
    n,
    reps,
    ...libs.map((l) => gflops[l.name].toFixed(1)),
    ours !== undefined && peers.length ? `${(ours / best).toFixed(2)}x` : "-",
    ours !== undefined ? `${((100 * ours) / PEAK_GFLOPS).toFixed(0)}%` : "-",
  ]);
}

const widths = header.map((h, i) => Math.max(String(h).length, ...rows.map((r) => String(r[i]).length)));
const line = (cells) => "| " + cells.map((c, i) => String(c).padStart(widths[i])).join(" | ") + " |";
console.log(line(header));
console.log("|" + widths.map((w) => "-".repeat(w + 2)).join("|") + "|");
for (const r of rows) console.log(line(r));
// The wasm worker pools park in Atomics.wait or keep handles open; exit explicitly.
process.exit(0);
