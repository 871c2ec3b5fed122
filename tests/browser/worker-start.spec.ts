// Browser-only: in a dedicated worker the file-loading entry (dist/webjax.mjs) starts the wasm
// backend by itself at the first operation, reading the .wasm by a synchronous request (allowed
// in workers, unlike a page's main thread), with no notice.

describe("the automatic start in a Web Worker", () => {
  it("dist/webjax.mjs starts wasm synchronously at the first operation (a synchronous request for the bytes)", async () => {
    const entry = new URL("/base/dist/webjax.mjs", location.href).href;
    const source = `
      import * as jax from ${JSON.stringify(entry)};
      jax.setWasmPaths(${JSON.stringify(new URL("/base/wasm/", location.href).href)});
      const warns = [];
      console.warn = (...a) => warns.push(a.join(" "));
      const y = jax.numpy.array([1, 2, 3]).mul(2);
      const rt = jax.getBackend().runtime;
      postMessage({ backend: jax.defaultBackend(), variant: rt && rt.variant, values: y.tolistSync(), warns });`;
    const url = URL.createObjectURL(new Blob([source], { type: "text/javascript" }));
    const worker = new Worker(url, { type: "module" });
    try {
      const result = await new Promise<any>((resolve, reject) => {
        worker.onmessage = (e) => resolve(e.data);
        worker.onerror = (e) => reject(new Error(`worker error: ${e.message}`));
        setTimeout(() => reject(new Error("the worker did not answer in 30 s")), 30_000);
      });
      expect(result.backend).toBe("wasm");
      expect(result.variant).toBe("relaxed-threads"); // the page is cross-origin isolated, so is its worker
      expect(result.values).toEqual([2, 4, 6]);
      expect(result.warns).toEqual([]);
    } finally {
      worker.terminate();
      URL.revokeObjectURL(url);
    }
  });
});
