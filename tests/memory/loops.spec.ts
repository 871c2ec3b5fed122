// The loops users write, without dispose() and without any engine flag: memory stays within the
// budget (wasm memory) and within the budget plus what is still reachable (resident memory), and
// eviction loses nothing. In a synchronous loop no JS mechanism sees arrays die, so the budget
// is what bounds memory there.
import * as jax from "../../ts/index.js";
import { MiB, environment, residentBytes, stats, wasmMemoryBytes, withMemoryLimit } from "../util/memory.js";

const np = jax.numpy;

/** The promise: wasm memory within the budget plus 16 MiB (or where it already was; it never shrinks). */
function expectWasmWithin(limit: number, startBytes: number, what: string): void {
  expect(wasmMemoryBytes()).withContext(`${what}: wasm memory ${wasmMemoryBytes() / MiB} MiB`).toBeLessThanOrEqual(Math.max(startBytes, limit + 16 * MiB));
}

/**
 * Resident memory grows by at most the budget, what is reachable, and 64 MiB (said by name where
 * it cannot be measured). The evicted copies of dead arrays are garbage the engine collects at
 * its own pace: Node 20's V8 collects ArrayBuffers past 64 MiB of external memory, Deno's newer
 * V8 later (a loop of plain 256 KiB ArrayBuffer garbage, no webjax, grows Deno's resident memory
 * by about 160 MiB on this machine), so Deno gets that much room instead.
 */
function expectResidentWithin(rss0: number | null, limit: number, reachable: number, what: string): void {
  const rss1 = residentBytes();
  if (rss0 === null || rss1 === null) {
    console.log(`  (${what}: resident memory is not measurable in ${environment()}; wasm memory was checked)`);
    return;
  }
  const slack = environment() === "Deno" ? 160 * MiB : 64 * MiB;
  const grew = rss1 - rss0;
  expect(grew).withContext(`${what}: resident memory grew by ${(grew / MiB).toFixed(1)} MiB in ${environment()}`).toBeLessThanOrEqual(limit + reachable + slack);
}

describe("memory: loops without dispose", () => {
  beforeAll(async () => {
    expect(await jax.init()).toContain("wasm");
  });

  it("a synchronous 3,000-step jitted training loop stays within the budget and matches the disposing loop bit for bit", async () => {
    const limit = 32 * MiB;
    await withMemoryLimit(limit, () => {
      const n = 256;
      const loss = (w: jax.Array, x: jax.Array, y: jax.Array) => np.mean(np.square(x.matmul(w).sub(y)));
      const step = jax.jit((w: jax.Array, x: jax.Array, y: jax.Array) => w.sub(jax.grad(loss)(w, x, y).mul(0.5)));
      const key = jax.random.key(0);
      const [k1, k2] = jax.random.split(key);
      const x = jax.random.normal(k1, [64, n]);
      const wTrue = jax.random.normal(k2, [n, n]).mul(0.05);
      const y = x.matmul(wTrue);
      // The reference: the same loop freeing each old weight at once.
      let wRef = np.zeros([n, n]);
      for (let i = 0; i < 3000; i++) {
        const next = step(wRef, x, y);
        wRef.dispose();
        wRef = next;
      }
      const ev0 = stats().evictions;
      const mem0 = wasmMemoryBytes();
      const rss0 = residentBytes();
      let w = np.zeros([n, n]);
      const first = Number(loss(w, x, y));
      for (let i = 0; i < 3000; i++) w = step(w, x, y);
      expect(stats().evictions - ev0).withContext("the budget is reached, so dead weights are evicted").toBeGreaterThan(0);
      expectWasmWithin(limit, mem0, "3,000 steps");
      expectResidentWithin(rss0, limit, 0, "3,000 steps");
      expect(Number(loss(w, x, y))).toBeLessThan(first / 10);
      expect(Array.from(w.dataSync())).toEqual(Array.from(wRef.dataSync()));
    });
  }, 120_000);

  it("400 awaited 16 MB results stay within the budget, and every one is right", async () => {
    const limit = 256 * MiB;
    await withMemoryLimit(limit, async () => {
      const n = 4 * MiB; // float32s: 16 MB
      const f = jax.jit((x: jax.Array, s: jax.Array) => np.tanh(x.mul(2).add(1)).mul(x).sub(np.exp(x.neg())).add(s));
      const x = np.linspace(-2, 2, n);
      const probe = [0, 12345, n - 1].map((i) => -2 + (4 * i) / (n - 1));
      const mem0 = wasmMemoryBytes();
      const rss0 = residentBytes();
      for (let i = 0; i < 400; i++) {
        const d = await f(x, np.array(i)).data();
        if (i % 40 === 0) {
          [0, 12345, n - 1].forEach((j, k) => {
            const v = Math.fround(probe[k]);
            expect(d[j]).toBeCloseTo(Math.tanh(2 * v + 1) * v - Math.exp(-v) + i, 3);
          });
        }
      }
      expectWasmWithin(limit, mem0, "400 awaited results");
      expectResidentWithin(rss0, limit, 16 * MiB, "400 awaited results");
    });
  }, 120_000);

  it("5,000 eager ops stay within the budget", async () => {
    const limit = 32 * MiB;
    await withMemoryLimit(limit, () => {
      const x = np.linspace(0, 1, 65536);
      const mem0 = wasmMemoryBytes();
      const rss0 = residentBytes();
      let last: jax.Array | undefined;
      for (let i = 0; i < 5000; i++) last = np.sin(x).add(1);
      expectWasmWithin(limit, mem0, "5,000 eager ops");
      expectResidentWithin(rss0, limit, 0, "5,000 eager ops");
      const d = last!.dataSync();
      expect(d[65535]).toBeCloseTo(Math.sin(1) + 1, 6);
    });
  }, 120_000);

  it("a loop that keeps every 10th result: eviction loses nothing, and evicted arrays come back when used", async () => {
    const limit = 16 * MiB;
    await withMemoryLimit(limit, () => {
      const n = 256 * 1024; // 1 MiB of float32
      const f = jax.jit((x: jax.Array, i: jax.Array) => x.mul(i).add(i));
      const x = np.arange(n).astype("float32");
      const kept: jax.Array[] = [];
      const s0 = stats();
      const mem0 = wasmMemoryBytes();
      for (let i = 0; i < 300; i++) {
        const y = f(x, np.array(i));
        if (i % 10 === 0) kept.push(y);
      }
      const s1 = stats();
      expect(s1.evictions - s0.evictions).withContext("30 MiB kept with a 16 MiB budget: some are evicted").toBeGreaterThan(0);
      expectWasmWithin(limit, mem0, "keeping every 10th");
      kept.forEach((y, k) => {
        const i = 10 * k;
        const d = y.dataSync();
        for (const j of [0, 1, 4097, n - 1]) expect(d[j]).withContext(`kept[${k}][${j}]`).toBe(Math.fround(Math.fround(j * i) + i));
      });
      // Used again: the evicted ones are uploaded back.
      const total = kept.reduce((acc, y) => acc.add(y.slice([0, 4])), np.zeros([4]));
      expect(stats().uploads).toBeGreaterThan(s1.uploads);
      const want = [0, 1, 2, 3].map((j) => kept.reduce((a, _, k) => a + (j * 10 * k + 10 * k), 0));
      expect(total.tolistSync()).toEqual(want);
    });
  }, 120_000);
});
