// The wasm backend's entry point: the C++ kernel core (wasm/webjax-*.wasm) loaded
// by our own loader (loader.ts), with no Emscripten glue.

import { load, type WasmRuntimeOptions } from "./loader.js";

export { setWasmPaths } from "./locate.js";

export interface WasmRuntime {
  variant: "relaxed-threads" | "simd-threads" | "simd";
  /** Threads that run kernels, the calling thread included. */
  threads: number;
  addF32(a: Float32Array, b: Float32Array): Float32Array;
  dispose?(): void;
}

const cache = new Map<string, Promise<WasmRuntime>>();

/** Loads (once per options) the best wasm variant this engine can run. */
export function loadWasmRuntime(opts: WasmRuntimeOptions = {}): Promise<WasmRuntime> {
  const key = `${opts.threads ?? true}|${opts.relaxedSimd ?? true}|${opts.devices ?? 1}`;
  let runtime = cache.get(key);
  if (!runtime) {
    runtime = load(opts, () => cache.delete(key));
    runtime.catch(() => cache.delete(key));
    cache.set(key, runtime);
  }
  return runtime;
}

