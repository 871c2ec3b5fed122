// isolated: node deno timeout=120
// Issue 17 item 3: the wasm thread pool survives faults. A trap in a worker is thrown once
// on the caller and the next call runs; a worker whose thread ends mid-call fails that call,
// is replaced, and the next call is right; a worker killed between calls costs nothing but
// its replacement; a long kernel that works is never taken for a lost one.
// Run by scripts/test.mjs in Node and Deno, each in its own process with a time limit.
import { assert, check, done, Skip, webjax } from "./harness.mjs";

const np = webjax.numpy;
await webjax.init({ threads: 4 });
const rt = await webjax.loadWasmRuntime({ threads: 4 });
console.log(`pool: ${rt.variant}, ${rt.threads} threads`);
const threaded = () => {
  if (rt.threads < 4) throw new Skip(`the runtime has ${rt.threads} thread(s), not 4 (${rt.variant})`);
};

// A 2^20-element kernel every thread takes part in, and its exact float64 value.
const N = 1 << 20;
const bigOp = () => np.ones([N]).mul(np.arange(N).astype("float32").mul(0).add(2)).sum().item();
const BIG = 2 * N; // exact in float32
const allThreads = () => {
  for (let i = 0; i < 50; i++) {
    assert(bigOp() === BIG, "a 2^20-element sum is wrong");
    if (rt.lastThreadIds().length === rt.threads) return;
  }
  throw new Error(`after 50 calls the pool still runs on threads [${rt.lastThreadIds()}] of ${rt.threads}`);
};

await check("a broadcasting mistake too large for memory is a clear error, and a 1M-element op runs after it", () => {
  let error;
  try {
    np.abs(np.ones([40000, 1]).sub(np.arange(40000))).dataSync();
  } catch (e) {
    error = e;
  }
  assert(error instanceof Error, "expected an error for a 40000x40000 float32 result (6.4 GB)");
  const y = np.ones([1_000_000]).add(1);
  const d = y.dataSync();
  assert(d.length === 1_000_000 && d.every((v) => v === 2), "the next 1M-element op is wrong");
  return `${error.constructor.name}: ${error.message.slice(0, 80)}`;
});

await check("a worker's trap is thrown once on the caller, and the next calls run on every thread", () => {
  threaded();
  assert(bigOp() === BIG, "the first call is wrong");
  rt.testPoolFault("trap", 2);
  let error;
  try {
    bigOp();
  } catch (e) {
    error = e;
  }
  assert(error instanceof WebAssembly.RuntimeError, `expected a RuntimeError, got ${error}`);
  assert(/unreachable/.test(error.message) && /worker 2/.test(error.message), `the worker's own message and tid: ${error.message}`);
  assert(bigOp() === BIG, "the call after the fault is wrong");
  allThreads();
  return error.message;
});

await check("a worker whose thread ends mid-call fails that call, is replaced, and the next call is right", async () => {
  threaded();
  rt.setStallMs(300);
  rt.testPoolFault("die", 1);
  let error;
  const t0 = performance.now();
  try {
    bigOp();
  } catch (e) {
    error = e;
  }
  assert(error instanceof Error && /worker 1/.test(error.message) && /replaced/.test(error.message), `expected the lost-worker error, got ${error}`);
  assert(bigOp() === BIG, "the call after the lost worker is wrong");
  const before = rt.replacedWorkers;
  await rt.poolSettled();
  assert(rt.replacedWorkers >= 1, `no worker was replaced (${rt.replacedWorkers})`);
  allThreads();
  return `failed after ${Math.round(performance.now() - t0)} ms; replaced ${rt.replacedWorkers} (${before} before settling)`;
});

await check("a worker killed between calls: the next call is right, and the worker is replaced", async () => {
  threaded();
  const replaced = rt.replacedWorkers;
  rt.testKillWorker(3);
  assert(bigOp() === BIG, "the call after the kill is wrong");
  // Node and Deno report the exit; without that the pool finds the silent worker itself (300 ms here).
  for (let i = 0; i < 250 && rt.replacedWorkers === replaced; i++) {
    await new Promise((r) => setTimeout(r, 20));
    assert(bigOp() === BIG, "a call while the worker is being replaced is wrong");
    await rt.poolSettled();
  }
  assert(rt.replacedWorkers > replaced, "the killed worker was not replaced");
  allThreads();
});

await check("a long kernel that is working is never taken for a lost worker (stall limit 500 ms)", () => {
  threaded();
  rt.setStallMs(500);
  const n = 2048;
  const a = np.ones([n, n]).mul(0.5), b = np.ones([n, n]).mul(2);
  const t0 = performance.now();
  const c = np.matmul(a, b);
  const ms = performance.now() - t0;
  const d = c.dataSync();
  assert(d[0] === n && d[d.length - 1] === n, `wrong product: ${d[0]}`);
  rt.setStallMs(10000);
  return `${n}^3 matmul ${Math.round(ms)} ms`;
});

done();
