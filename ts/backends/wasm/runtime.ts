// The wasm backend's entry point: the C++ kernel core (wasm/webjax-*.wasm) loaded
// by our own loader (loader.ts), with no Emscripten glue.

import { load, loadSync, type LoadedRuntime, type WasmRuntimeOptions } from "./loader.js";
import { wasmBytesSync } from "./locate.js";

export { setWasmPaths } from "./locate.js";

/** A loaded wasm core: which variant, and how many threads run its kernels. @example jax.getBackend("wasm").runtime.variant   // "relaxed-threads" in Chromium and Deno */
export interface WasmRuntime {
  variant: "relaxed-threads" | "simd-threads" | "simd";
  /** Threads that run kernels, the calling thread included. */
  threads: number;
  /** A smoke test of the core: `a + b` elementwise, in wasm. @example (await jax.loadWasmRuntime()).addF32(a, b) */
  addF32(a: Float32Array, b: Float32Array): Float32Array;
  /** Stops the runtime's workers. @example runtime.dispose() */
  dispose?(): void;
}

const cache = new Map<string, Promise<WasmRuntime>>();
const keyOf = (opts: WasmRuntimeOptions) => `${opts.threads ?? true}|${opts.relaxedSimd ?? true}|${opts.devices ?? 1}`;

/** Loads (once per options) the best wasm variant this engine can run. */
export function loadWasmRuntime(opts: WasmRuntimeOptions = {}): Promise<WasmRuntime> {
  // A module the caller compiled is theirs to keep: it is loaded each time, never cached.
  if (opts.module) return load(opts, () => {});
  const key = keyOf(opts);
  let runtime = cache.get(key);
  if (!runtime) {
    runtime = load(opts, () => cache.delete(key));
    runtime.catch(() => cache.delete(key));
    cache.set(key, runtime);
  }
  return runtime;
}

/**
 * Starts the wasm runtime now, without awaiting, where the bytes are at hand (the inlined build
 * anywhere; files in Node, Deno with --allow-read, dedicated workers): single-threaded at first,
 * the pool joining once its workers run. Throws why it cannot (a page's main thread must await).
 */
export function startWasmRuntimeSync(opts: WasmRuntimeOptions = {}): LoadedRuntime {
  const key = keyOf(opts);
  const runtime = loadSync(opts, wasmBytesSync, () => cache.delete(key));
  cache.set(key, Promise.resolve(runtime));
  return runtime;
}
