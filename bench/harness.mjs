// The bench's tools: deterministic inputs, timing a batch of calls, the check of a result
// against a float64 reference, and the tables. Cases (bench/cases/*.mjs) say what to
// compute; run.mjs decides the order and the repetitions. It also runs in a browser page
// (bench/browser/), so Node's modules are imported only where Node or Deno runs it.

export const isDeno = typeof globalThis.Deno !== "undefined";
export const isBrowser = typeof globalThis.window !== "undefined" && typeof globalThis.document !== "undefined";
const os = isBrowser ? null : await import("node:os");

// A module using f32x4.relaxed_madd (the probe jax-js and wasm-feature-detect use).
const RELAXED_MADD = "0061736d0100000001080160037b7b7b017b030201000a0d010b00200020012002fd85020b";

/** Whether this engine runs relaxed SIMD (FMA), which doubles the GEMM peak where used. */
export function hasRelaxedSimd() {
  try {
    return WebAssembly.validate(new Uint8Array(RELAXED_MADD.match(/../g).map((h) => parseInt(h, 16))));
  } catch {
    return false;
  }
}

/** The engine and machine, for the header of a run. */
export function describeRuntime() {
  const relaxed = hasRelaxedSimd() ? "relaxed SIMD available" : "no relaxed SIMD";
  if (isBrowser) return `${navigator.userAgent}, ${relaxed}, ${navigator.hardwareConcurrency} cores, ${new Date().toISOString()}`;
  const engine = isDeno ? `deno ${Deno.version.deno} (V8 ${Deno.version.v8})` : `node ${process.version} (V8 ${process.versions.v8})`;
  const cpus = os.cpus();
  return `${engine}, ${relaxed}, ${cpus.length} cores (${cpus[0]?.model ?? "?"}), ${new Date().toISOString()}`;
}

/** Uniform floats in [lo, hi) from a 32-bit LCG: the same inputs in every library and run. */
export function randomF32(len, seed, lo = -0.5, hi = 0.5) {
  const x = new Float32Array(len);
  let s = seed >>> 0;
  for (let i = 0; i < len; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    x[i] = lo + (hi - lo) * (s / 2 ** 32);
  }
  return x;
}

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/**
 * Milliseconds per call of `n` calls of `run` back to back. `run` may return a promise
 * (an async readback): it is awaited inside the timed region.
 */
export async function timeCalls(run, n = 1) {
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const out = run();
    if (out && typeof out.then === "function") await out;
  }
  return (performance.now() - t0) / n;
}

/**
 * Compares `got` with a float64 reference elementwise: |got - want| <= atol + rtol * scale,
 * where scale is `scales[i]` when given (e.g. Σ|a||b| for a dot product) or |want[i]|.
 * Returns null when it agrees, else a one-line description of the worst element.
 */
export function mismatch(got, want, { rtol = 1e-4, atol = 1e-5, scales, indices } = {}) {
  const n = indices ? indices.length : want.length;
  if (!indices && got.length !== want.length) return `length ${got.length}, expected ${want.length}`;
  let worst = -1;
  let worstExcess = 0;
  let bad = 0;
  for (let k = 0; k < n; k++) {
    const i = indices ? indices[k] : k;
    const w = want[k];
    const g = got[i];
    const scale = scales ? scales[k] : Math.abs(w);
    const excess = Math.abs(g - w) - (atol + rtol * scale);
    if (!(excess <= 0)) {
      bad++;
      if (worst < 0 || !(excess <= worstExcess)) {
        worst = k;
        worstExcess = excess;
      }
    }
  }
  if (bad === 0) return null;
  const i = indices ? indices[worst] : worst;
  return `${bad} of ${n} checked values differ; worst at [${i}]: got ${got[i]}, expected ${want[worst]}`;
}

const pad = (s, w, left) => (left ? String(s).padEnd(w) : String(s).padStart(w));

/** A markdown table; numbers right-aligned, the first column and any "note" column left. */
export function formatTable(header, rows) {
  const left = header.map((h, i) => i === 0 || h === "note");
  const widths = header.map((h, i) => Math.max(String(h).length, ...rows.map((r) => String(r[i] ?? "").length)));
  const line = (cells) => "| " + cells.map((c, i) => pad(c ?? "", widths[i], left[i])).join(" | ") + " |";
  const rule = "|" + widths.map((w, i) => (left[i] ? ":" + "-".repeat(w + 1) : "-".repeat(w + 1) + ":")).join("|") + "|";
  return [line(header), rule, ...rows.map(line)].join("\n");
}

/** Milliseconds as a short human string in µs, ms or s. */
export function formatTime(ms) {
  if (!Number.isFinite(ms)) return "-";
  if (ms < 0.99995) return `${(ms * 1000).toFixed(ms < 0.01 ? 2 : 1)} µs`;
  if (ms < 999.995) return `${ms.toFixed(ms < 10 ? 3 : 2)} ms`;
  return `${(ms / 1000).toFixed(2)} s`;
}

export function formatRate(x) {
  if (!Number.isFinite(x)) return "-";
  return x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2);
}

/**
 * A webjax case's body: `f(xa)` then `await data()` each run (readback included), freeing the
 * result unless the row is webjax's "no dispose" one; `xa` is freed when the case is done.
 */
export function webjaxReadback(lib, f, xa) {
  return {
    async run() {
      const y = f(xa);
      const d = await y.data();
      if (!lib.noDispose) y.dispose();
      return d;
    },
    dispose: () => xa.dispose(),
  };
}

// The names software rasterizers give (the test of ts/backends/webgpu/device.ts): Chromium's
// SwiftShader and Mesa's llvmpipe do not all set isFallbackAdapter.
const SOFTWARE = /swiftshader|llvmpipe|lavapipe|softpipe|software|microsoft basic render|\bwarp\b/i;

/**
 * The WebGPU adapter this runtime has (navigator.gpu), or null (Node 20 has none);
 * `fallback` is true for a software adapter, whose times say nothing of a GPU's.
 */
export async function gpuAdapterInfo() {
  const gpu = globalThis.navigator?.gpu;
  if (!gpu) return null;
  const adapter = await gpu.requestAdapter();
  if (!adapter) return null;
  const info = adapter.info ?? {};
  const names = [info.description, info.vendor, info.device, info.architecture].filter(Boolean).join(" ");
  const description = info.description || [info.vendor, info.architecture, info.device].filter(Boolean).join(" ") || "unknown adapter";
  return { description, fallback: Boolean(info.isFallbackAdapter) || SOFTWARE.test(names) };
}
