// Browser-only: the threaded wasm runtime in a cross-origin-isolated Chromium page.
import { loadWasmRuntime } from "../../ts/index.js";

describe("wasm runtime in Chromium", () => {
  it("loads the relaxed-threads variant with at least 2 threads and adds", async () => {
    const rt = await loadWasmRuntime();
    expect(rt.variant).withContext("crossOriginIsolated page must get threads, Chromium >= 114 relaxed SIMD").toBe("relaxed-threads");
    expect(rt.threads).toBeGreaterThanOrEqual(2);
    const n = 10_000;
    const a = Float32Array.from({ length: n }, (_, i) => i * 0.5);
    const b = Float32Array.from({ length: n }, (_, i) => 1 - i);
    const sum = rt.addF32(a, b);
    expect(sum.length).toBe(n);
    expect(Array.from(sum)).toEqual(Array.from(a, (x, i) => Math.fround(x + b[i]!)));
  });
});
