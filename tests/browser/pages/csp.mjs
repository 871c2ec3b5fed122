// Loaded by the csp-*.html pages that karma serves with a Content-Security-Policy (see
// karma.conf.cjs; tests/browser/isolated.spec.ts opens them): starts webjax under that
// policy and reports to the parent what ran and what it said.
const params = new URLSearchParams(location.search);
const infos = [];
const info = console.info;
console.info = (...a) => {
  infos.push(a.join(" "));
  info(...a);
};
const report = (r) => parent.postMessage({ page: location.pathname + location.search, ...r }, "*");

/** Whether this page may start a worker from a Blob URL: "started", "error event" or "threw: ...". */
function probeBlobWorker() {
  return new Promise((resolve) => {
    try {
      const w = new Worker(URL.createObjectURL(new Blob(["postMessage(1)"], { type: "text/javascript" })));
      const end = (r) => (w.terminate(), resolve(r));
      w.onmessage = () => end("started");
      w.onerror = (e) => (e.preventDefault(), end("error event"));
      setTimeout(() => end("no answer"), 3000);
    } catch (e) {
      resolve(`threw: ${e.name}`);
    }
  });
}

try {
  const blobWorker = await probeBlobWorker();
  const jax = await import("/base/dist/webjax.mjs");
  const files = ["webjax-relaxed-threads.wasm", "webjax-simd-threads.wasm", "webjax-simd.wasm"];
  // map: the worker script named in setWasmPaths; prefix: the loader finds it beside the wasm files.
  if (params.get("paths") === "map") {
    jax.setWasmPaths(Object.fromEntries([...files, "webjax-worker.js"].map((f) => [f, `/base/wasm/${f}`])));
  } else {
    jax.setWasmPaths("/base/wasm/");
  }
  // allowFallback: under a policy that forbids compiling wasm, init resolves to ["cpu"] and says why
  // (without it, init rejects with the same reason).
  const backends = await jax.init({ allowFallback: true });
  let threads = 0, variant = "", ids = [], sum = NaN;
  if (backends.includes("wasm")) {
    const rt = await jax.loadWasmRuntime();
    ({ threads, variant } = rt);
    for (let i = 0; i < 20 && ids.length < threads; i++) {
      sum = jax.numpy.ones([1 << 20]).mul(2).sum().item();
      ids = rt.lastThreadIds();
    }
  }
  report({ backends, threads, variant, ids, sum, infos, blobWorker });
} catch (e) {
  report({ error: String(e?.stack ?? e), infos });
}
