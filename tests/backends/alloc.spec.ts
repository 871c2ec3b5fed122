// The core's allocator (core-cpp/alloc.cpp) on a runtime of its own: freed memory is reused
// for any size, neighbours merge, sizes are not rounded up to powers of two, sizes past 4 GiB
// fail instead of wrapping, and the fragmentation target holds: after any sequence of
// allocations and frees, an allocation of the largest free block's size succeeds.
import type { Core } from "../../bindings/core.js";
import type { LoadedRuntime } from "../../ts/backends/wasm/loader.js";
import { loadWasmRuntime } from "../../ts/backends/wasm/runtime.js";
import { rng } from "../util/rng.js";

describe("wasm allocator", () => {
  let core: Core;

  beforeAll(async () => {
    core = ((await loadWasmRuntime({ threads: false })) as LoadedRuntime).kernels;
  });

  it("holds the fragmentation target over random allocations and frees, and no block overlaps another", () => {
    const r = rng(7);
    const live: { p: number; n: number; tag: number }[] = [];
    const mem = () => new Uint8Array(core.memory.buffer);
    let checks = 0;
    for (let step = 0; step < 3000; step++) {
      if (live.length === 0 || r() < 0.55) {
        const n = Math.floor(2 ** (r() * 22)); // 1 B to 4 MiB, log-uniform
        const p = core.tryMalloc(n);
        expect(p).withContext(`allocate ${n}`).not.toBe(0);
        expect(p % 16).toBe(0);
        const tag = step & 255;
        if (n > 0) mem()[p] = mem()[p + n - 1] = tag;
        live.push({ p, n, tag });
      } else {
        const [b] = live.splice(Math.floor(r() * live.length), 1);
        if (b.n > 0) expect([mem()[b.p], mem()[b.p + b.n - 1]]).withContext("a block's bytes were overwritten").toEqual([b.tag, b.tag]);
        core.free(b.p);
        const { largestFree } = core.heapStats();
        const q = core.tryMalloc(largestFree);
        expect(q).withContext(`the largest free block (${largestFree} bytes) is allocatable`).not.toBe(0);
        core.free(q);
        checks++;
      }
    }
    expect(checks).toBeGreaterThan(1000);
    for (const b of live) core.free(b.p);
    // Everything merged back: the heap is free from its start to its end.
    const s = core.heapStats();
    expect(s.freeBytes).toBe(s.top - s.base);
  });

  it("reuses freed memory for a larger block, and does not round sizes up to powers of two", () => {
    const s0 = core.heapStats();
    const small = Array.from({ length: 64 }, () => core.tryMalloc(2 ** 16));
    for (const p of small) core.free(p);
    // 64 freed 64 KiB blocks merge into one run that serves a 4 MiB block without growing the heap.
    const big = core.tryMalloc(2 ** 22);
    expect(big).not.toBe(0);
    expect(core.heapStats().top).toBe(Math.max(s0.top, small[0] + 64 * (2 ** 16 + 16) - 16));
    core.free(big);
    // Two power-of-two blocks sit a header apart, not twice their size.
    const a = core.tryMalloc(2 ** 20);
    const b = core.tryMalloc(2 ** 20);
    expect(Math.abs(b - a)).toBe(2 ** 20 + 16);
    core.free(a);
    core.free(b);
  });

  it("fails, rather than wraps, on sizes of 4 GiB and more, and past the heap limit", () => {
    for (const n of [2 ** 32, 2 ** 32 + 4, 2 ** 40, -1, NaN]) expect(core.tryMalloc(n)).withContext(String(n)).toBe(0);
    // Free memory below the limit is used; growing past it is not.
    const { top, largestFree } = core.heapStats();
    core.setHeapLimit(top + 2 ** 20);
    try {
      expect(core.tryMalloc(largestFree + 2 ** 21)).toBe(0);
      const p = core.tryMalloc(largestFree + 2 ** 19);
      expect(p).not.toBe(0);
      core.free(p);
    } finally {
      core.setHeapLimit(2 ** 32);
    }
  });
});
