// Browser-only: dist/webjax.umd.js, loaded by karma as a plain <script> before the specs,
// defines the global `webjax` and finds wasm/ next to dist/ without setWasmPaths.
type Webjax = typeof import("../../ts/index.js");

describe("UMD bundle in a plain <script>", () => {
  it("defines the global webjax and runs the threaded wasm add from its default wasm path", async () => {
    const umd = (globalThis as { webjax?: Webjax }).webjax;
    expect(umd).withContext("dist/webjax.umd.js did not define globalThis.webjax (run npm run build:bundle)").toBeDefined();
    const rt = await umd!.loadWasmRuntime();
    expect(rt.variant).toBe("relaxed-threads");
    expect(Array.from(rt.addF32(Float32Array.of(1, 2, 3), Float32Array.of(0.5, 0.25, -3)))).toEqual([1.5, 2.25, 0]);
    rt.dispose?.();
  });
});
