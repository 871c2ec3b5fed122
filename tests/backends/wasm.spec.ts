// The wasm kernel core in both variants. Runs in Node (jasmine) and Chromium
// (karma): no node: imports here.
import type { LoadedRuntime } from "../../ts/backends/wasm/loader.js";
import { loadWasmRuntime, type WasmRuntime } from "../../ts/backends/wasm/runtime.js";

function randomF32(n: number): Float32Array {
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) x[i] = (Math.random() - 0.5) * 1e3;
  return x;
}

const SIZES = [1, 7, 1000, 1 << 20];

for (const threads of [true, false]) {
  describe(`wasm runtime (threads: ${threads})`, () => {
    let rt: WasmRuntime;

    beforeAll(async () => {
      rt = await loadWasmRuntime({ threads });
      console.log(`wasm ${rt.variant} (${rt.threads} thread${rt.threads === 1 ? "" : "s"})`);
    });

    it("picks the variant asked for, or says why not", () => {
      if (!threads) expect(rt.variant).toBe("simd");
      expect(rt.threads).toBeGreaterThanOrEqual(1);
      if (rt.variant === "simd") expect(rt.threads).toBe(1);
    });

    it("is cached per options", async () => {
      expect(await loadWasmRuntime({ threads })).toBe(rt);
    });

    for (const n of SIZES) {
      it(`add f32 of ${n} elements matches JS exactly`, () => {
        const a = randomF32(n);
        const b = randomF32(n);
        const expected = new Float32Array(n);
        for (let i = 0; i < n; i++) expected[i] = a[i] + b[i];
        const out = rt.addF32(a, b);
        expect(out.length).toBe(n);
        let mismatches = 0;
        for (let i = 0; i < n; i++) if (!Object.is(out[i], expected[i])) mismatches++;
        expect(mismatches).withContext(`wasm ${rt.variant} (${rt.threads} threads): add n=${n}`).toBe(0);
      });
    }

    it("spreads a large add over every thread", () => {
      rt.addF32(randomF32(1 << 20), randomF32(1 << 20));
      const ids = (rt as LoadedRuntime).lastThreadIds();
      console.log(`wasm ${rt.variant} (${rt.threads} thread${rt.threads === 1 ? "" : "s"}): add of 2^20 ran on threads [${ids.join(", ")}]`);
      expect(ids.length).toBe(rt.threads);
      if (rt.variant !== "simd" && rt.threads > 1) expect(ids.length).toBeGreaterThan(1);
    });

    it("rejects mismatched lengths", () => {
      expect(() => rt.addF32(new Float32Array(3), new Float32Array(4))).toThrowError(RangeError);
    });
  });
}
