// `jax.init(options)`: starts the backends this runtime supports, once, with one set of options.

import { WasmBackend } from "./backends/wasm/backend.js";
import { WebGpuBackend } from "./backends/webgpu/backend.js";
import type { LoadedRuntime } from "./backends/wasm/loader.js";
import { loadWasmRuntime } from "./backends/wasm/runtime.js";
import { BackendName, registerBackend, registeredBackends } from "./core/backend.js";
import { config } from "./core/config.js";
import "./core/memory.js"; // declares the memoryLimit setting

/** Every setting `jax.init` takes. */
export interface InitOptions {
  /** Threads that run wasm kernels, the calling thread included (default: all cores); `false` or 1: none besides it. */
  threads?: number | false;
  /** `false`: never the relaxed-SIMD variant, so results are equal bit for bit on every machine. */
  relaxedSimd?: boolean;
  /**
   * Bytes of device memory each device may hold (default 1 GiB, less where the engine allows
   * less); past it, the least recently used arrays are evicted to host memory. Also
   * `jax.config.update("memoryLimit", bytes)` at run time.
   */
  memoryLimit?: number;
  /**
   * `false`: do not start WebGPU even where an adapter exists. By default it starts wherever the
   * engine has WebGPU and an adapter; it becomes the default backend on a hardware adapter only
   * (a software one, SwiftShader or llvmpipe, is slower than wasm on the same CPU).
   */
  webgpu?: boolean;
}

const INIT_KEYS: readonly (keyof InitOptions)[] = ["threads", "relaxedSimd", "memoryLimit", "webgpu"];

function checkOptions(opts: InitOptions): void {
  if (opts === null || typeof opts !== "object" || globalThis.Array.isArray(opts)) {
    throw new TypeError(`jax.init takes one options object ({${INIT_KEYS.join(", ")}}); got ${String(opts)}.`);
  }
  for (const k of Object.keys(opts)) {
    if (!(INIT_KEYS as readonly string[]).includes(k)) {
      throw new TypeError(`jax.init got an unexpected option '${k}'; accepted: ${INIT_KEYS.join(", ")}.`);
    }
  }
  const { threads, relaxedSimd } = opts;
  if (threads !== undefined && threads !== false && !(Number.isInteger(threads) && threads >= 1)) {
    throw new TypeError(`jax.init: threads must be a positive integer or false; got ${String(threads)}.`);
  }
  if (opts.memoryLimit !== undefined && !(typeof opts.memoryLimit === "number" && opts.memoryLimit > 0 && Number.isFinite(opts.memoryLimit))) {
    throw new TypeError(`jax.init: memoryLimit must be a positive number of bytes (e.g. 512 * 2 ** 20); got ${String(opts.memoryLimit)}.`);
  }
  if (relaxedSimd !== undefined && typeof relaxedSimd !== "boolean") {
    throw new TypeError(`jax.init: relaxedSimd must be a boolean; got ${String(relaxedSimd)}.`);
  }
  if (opts.webgpu !== undefined && typeof opts.webgpu !== "boolean") {
    throw new TypeError(`jax.init: webgpu must be a boolean; got ${String(opts.webgpu)}.`);
  }
}

let started: { options: InitOptions; done: Promise<BackendName[]> } | undefined;

/**
 * Starts the backends this runtime supports (cpu, wasm, and webgpu where the engine has an
 * adapter), makes the fastest the default (webgpu on a hardware adapter, else wasm), and
 * resolves to their names. Calling it again is a no-op, unless it names an option with another
 * value than the first call gave (or left at its default): that is an error.
 * @example await jax.init()                         // ["cpu", "wasm"] in Node; ["cpu", "wasm", "webgpu"] where WebGPU has an adapter
 * @example await jax.init({ threads: 1, relaxedSimd: false, memoryLimit: 512 * 2 ** 20 })
 */
export function init(options: InitOptions = {}): Promise<BackendName[]> {
  checkOptions(options);
  if (started) {
    const first = started.options;
    const changed = INIT_KEYS.filter((k) => k in options && options[k] !== first[k]);
    if (changed.length) {
      return Promise.reject(new Error(`jax.init already started the runtime with ${JSON.stringify(first)}; it cannot change ` +
        `${changed.join(", ")} now. Call it once, before any other webjax call, with every option` +
        (changed.includes("memoryLimit") ? ` (the memory limit can change at run time: jax.config.update("memoryLimit", bytes)).` : ".")));
    }
    return started.done;
  }
  const done = (async () => {
    if (options.memoryLimit !== undefined) config.update("memoryLimit", options.memoryLimit);
    try {
      const threads = options.threads === 1 ? false : options.threads;
      const runtime = await loadWasmRuntime({ threads, relaxedSimd: options.relaxedSimd });
      // The compiled wasm backend becomes the default; cpu stays available as the reference.
      registerBackend(new WasmBackend(runtime as LoadedRuntime), true);
    } catch (e) {
      console.info(`webjax: the wasm backend is unavailable here (${(e as Error).message}); using cpu.`);
    }
    if (options.webgpu !== false) {
      try {
        const gpu = await WebGpuBackend.create();
        // A software adapter can be asked for (setDefaultBackend, jit's backend, devicePut) but is never the default.
        if (gpu) registerBackend(gpu, !gpu.adapter.software);
      } catch (e) {
        console.info(`webjax: WebGPU has an adapter here but could not start (${(e as Error).message}); not using it.`);
      }
    }
    return registeredBackends();
  })();
  started = { options: { ...options }, done };
  return done;
}
