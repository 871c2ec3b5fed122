// isolated: node deno timeout=150
// Issue 19: worker devices survive faults. An exception on one device (a host callback that
// throws, out of memory, a trap) is one clear error on the caller, the other devices are
// released from their barriers, and the next call is right; a worker whose thread ends mid-call
// fails that call (in the stall time, never a hang), is replaced, and a good call follows. Each
// case runs pmap over 4 devices with collectives, so every device waits at barriers.
// Run by scripts/test.mjs in Node and Deno, each in its own process under a time limit.
import { assert, check, done, Skip, webjax as jax } from "./harness.mjs";

const { numpy: np, lax } = jax;
await jax.init({ devices: 4 });
const backend = jax.getBackend("wasm");
const rt = backend.runtime;
console.log(`devices: ${jax.devices().map(String).join(" ")}; ${rt.variant}, ${rt.threads} kernel threads`);
const onDevices = () => {
  if (backend.whyDevicesSerial()) throw new Skip(`the devices cannot run programs here: ${backend.whyDevicesSerial()}`);
};

const x = np.arange(16).astype("float32").reshape([4, 4]);
// psum, then a ring: every device meets the others twice.
const good = jax.pmap((v) => lax.ppermute(v.add(lax.psum(v, "i")), "i", [[0, 1], [1, 2], [2, 3], [3, 0]]), "i");
const GOOD = [[36, 41, 46, 51], [24, 29, 34, 39], [28, 33, 38, 43], [32, 37, 42, 47]];
const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);
/** A good call, on the devices (their run count grows), with the right values. */
const goodCall = () => {
  const runs = backend.stats.deviceRuns;
  const got = good(x).tolistSync();
  assert(same(got, GOOD), `wrong values: ${JSON.stringify(got)}`);
  assert(backend.stats.deviceRuns === runs + 1, "the call did not run on the devices");
};
const thrown = (f) => {
  try {
    f();
  } catch (e) {
    return e;
  }
  throw new Error("no error");
};

await check("a good call runs on the 4 devices", () => {
  onDevices();
  goodCall();
});

await check("a host callback that throws on device 2 is one clear error on the caller; the next call is right", () => {
  onDevices();
  const f = jax.pmap((v) => {
    const y = jax.pureCallback((a) => {
      if (a.dataSync()[0] >= 8) throw new Error("callback failed on purpose");
      return a;
    }, jax.ShapeDtypeStruct([4], "float32"), v);
    return lax.psum(y, "i");
  }, "i");
  const e = thrown(() => f(x));
  assert(/callback failed on purpose/.test(e.message), `the callback's own error: ${e.message}`);
  goodCall();
  return e.message;
});

await check("a host callback that throws, 200 times between good calls: every good call is right, and so are kernels after", () => {
  onDevices();
  // Once, when the callback threw on the calling thread before any worker device had begun its
  // program, no fault was recorded and the pool's abort flag stayed raised: every later device
  // program trapped at once ("unreachable") and eager kernels split over the pool returned
  // without writing (zeros). How soon depends on the workers' timing: within a few calls, and
  // in every run of 200 pairs.
  const S = jax.ShapeDtypeStruct([2], "float32");
  const ones = np.ones([4, 2]);
  const thr = jax.pmap((v) => jax.pureCallback(() => {
    throw new Error("boom on purpose");
  }, S, v), "i");
  const cb = jax.pmap((v) => jax.pureCallback((t) => Float32Array.from(t.dataSync(), (q) => q * 3), S, v), "i");
  // Only device 0's callback (on the calling thread) throws; the others wait at a barrier after.
  const thr0 = jax.pmap((v) => lax.psum(jax.pureCallback((t) => {
    if (t.dataSync()[0] === 0) throw new Error("boom on purpose");
    return t;
  }, S, v), "i"), "i");
  const WANT = [[3, 3], [3, 3], [3, 3], [3, 3]];
  const runs = backend.stats.deviceRuns;
  for (let i = 0; i < 200; i++) {
    const e = thrown(() => (i % 4 === 3 ? thr0(np.arange(8).astype("float32").reshape([4, 2])) : thr(ones)));
    assert(/boom on purpose/.test(e.message), `call ${i}: expected the callback's own error, got ${e}`);
    let got;
    try {
      got = cb(ones).tolistSync();
    } catch (err) {
      throw new Error(`call ${i}: the good call after a callback error failed: ${err}`);
    }
    assert(same(got, WANT), `call ${i}: wrong values ${JSON.stringify(got)}`);
  }
  assert(backend.stats.deviceRuns === runs + 400, "the calls did not all run on the devices");
  // An eager kernel large enough to be split over the pool's threads.
  const big = np.arange(1 << 20).astype("float32").add(1).dataSync();
  assert(big.every((v, i) => v === i + 1), "an eager kernel after the faults is wrong");
  goodCall();
});

await check("a trap on device 3 is one error naming it; the devices waiting for it are released; the next call is right", () => {
  onDevices();
  rt.testDeviceFault("trap", 3);
  const e = thrown(() => good(x));
  assert(e instanceof WebAssembly.RuntimeError && /worker 3/.test(e.message), `expected the worker's trap: ${e}`);
  goodCall();
  return e.message;
});

await check("out of memory on a device is a RangeError naming it and the setting; the next call is right", () => {
  onDevices();
  const limit = jax.devices()[1].memoryStats().bytesLimit;
  jax.config.update("memoryLimit", 8 * 2 ** 20);
  try {
    const big = jax.pmap((v) => np.broadcastTo(v.sum(), [3 * 2 ** 20]).add(lax.psum(v, "i").sum()), "i");
    const e = thrown(() => big(x));
    assert(e instanceof RangeError && /wasm:\d/.test(e.message) && /memoryLimit/.test(e.message), `expected a RangeError: ${e}`);
  } finally {
    jax.config.update("memoryLimit", limit);
  }
  goodCall();
});

await check("a device worker whose thread ends mid-call fails that call within the stall time, is replaced, and a good call follows", async () => {
  onDevices();
  rt.setStallMs(400);
  const replaced = rt.replacedWorkers;
  rt.testDeviceFault("die", 2);
  const t0 = performance.now();
  const e = thrown(() => good(x));
  const ms = performance.now() - t0;
  assert(/worker 2/.test(e.message) && /replaced/.test(e.message), `expected the lost-worker error: ${e.message}`);
  // While the worker is replaced, calls still give the right values (as one program).
  assert(same(good(x).tolistSync(), GOOD), "a call while the worker is replaced is wrong");
  await rt.poolSettled();
  assert(rt.replacedWorkers > replaced, "the worker was not replaced");
  goodCall();
  rt.setStallMs(10000);
  return `failed after ${Math.round(ms)} ms`;
});

await check("a device worker terminated from a host callback mid-call (as a crash): no hang, a good call follows", async () => {
  onDevices();
  rt.setStallMs(400);
  const f = jax.pmap((v) => {
    const y = jax.pureCallback((a) => {
      if (a.dataSync()[0] === 0) rt.testKillWorker(1);
      return a;
    }, jax.ShapeDtypeStruct([4], "float32"), v);
    return lax.psum(y, "i");
  }, "i");
  const t0 = performance.now();
  let outcome;
  try {
    f(x).tolistSync();
    outcome = "the call finished";
  } catch (e) {
    outcome = `failed: ${e.message.slice(0, 100)}`;
  }
  await rt.poolSettled();
  for (let i = 0; i < 100 && !rt.devicesReady([0, 1, 2, 3]); i++) {
    await new Promise((r) => setTimeout(r, 20));
    await rt.poolSettled();
  }
  goodCall();
  rt.setStallMs(10000);
  return `${outcome} after ${Math.round(performance.now() - t0)} ms`;
});

done();
