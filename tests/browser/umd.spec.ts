// Browser-only: dist/webjax.umd.js, loaded by karma as a plain <script> before the specs,
// defines the global `webjax`, a library of its own (no spec but these touches it), with the
// wasm variants inside: nothing to locate or fetch.
type Webjax = typeof import("../../ts/index.js");

describe("UMD bundle in a plain <script>", () => {
  it("starts the wasm backend by itself at the first operation, on the page's main thread, from the bytes inside", async () => {
    const umd = (globalThis as { webjax?: Webjax }).webjax!;
    const warn = spyOn(console, "warn").and.callThrough();
    const t0 = performance.now();
    const y = umd.numpy.array([1, 2, 3]).mul(2).add(1);
    const ms = performance.now() - t0;
    expect(umd.defaultBackend()).toBe("wasm");
    expect(String(y.device)).toBe("wasm:0");
    expect(y.tolistSync()).toEqual([3, 5, 7]);
    const rt = (umd.getBackend() as unknown as { runtime: { variant: string; threads: number } }).runtime;
    expect(rt.variant).toBe("relaxed-threads"); // synchronous compilation of ~190 KB is allowed on Chromium's main thread
    expect(warn).not.toHaveBeenCalled();
    expect(ms).toBeLessThan(1000);
    // The awaited init adds WebGPU (SwiftShader here: a software adapter, never the default).
    expect(await umd.init()).toEqual(["cpu", "wasm", "webgpu"]);
    expect(umd.defaultBackend()).toBe("wasm");
    expect(rt.threads).toBe(Math.min(navigator.hardwareConcurrency, 32)); // the pool has joined
    await expectAsync(umd.init({ threads: 1 })).toBeRejectedWithError(/started the wasm backend by itself/);
  });

  it("defines the global webjax and runs the threaded wasm add from the bytes inside", async () => {
    const umd = (globalThis as { webjax?: Webjax }).webjax;
    expect(umd).withContext("dist/webjax.umd.js did not define globalThis.webjax (run npm run build:bundle)").toBeDefined();
    const rt = await umd!.loadWasmRuntime();
    expect(rt.variant).toBe("relaxed-threads");
    expect(Array.from(rt.addF32(Float32Array.of(1, 2, 3), Float32Array.of(0.5, 0.25, -3)))).toEqual([1.5, 2.25, 0]);
    rt.dispose?.();
  });
});
