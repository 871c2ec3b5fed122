// `jax.init(options)`: starts the backends this runtime supports, once, with one set of options.

import { WasmBackend } from "./backends/wasm/backend.js";
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
   * How many wasm devices `jax.devices()` lists (`wasm:0` ... `wasm:N-1`) for `pmap`, `shardMap`
   * and shardings (default: the thread count). More than the cores is allowed, like XLA's
   * forced host device count (at most 32).
   */
  devices?: number;
  /**
   * Bytes of device memory each device may hold (default 1 GiB, less where the engine allows
   * less); past it, the least recently used arrays are evicted to host memory. Also
   * `jax.config.update("memoryLimit", bytes)` at run time.
   */
  memoryLimit?: number;
}

const INIT_KEYS: readonly (keyof InitOptions)[] = ["threads", "devices", "relaxedSimd", "memoryLimit"];

/** The most devices one runtime has (each runs on a thread of its own: core-cpp/threads.h kMaxThreads). */
export const MAX_DEVICES = 32;

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
  if (opts.devices !== undefined && !(Number.isInteger(opts.devices) && opts.devices >= 1 && opts.devices <= MAX_DEVICES)) {
    throw new TypeError(`jax.init: devices must be an integer from 1 to ${MAX_DEVICES}; got ${String(opts.devices)}.`);
  }
  if (opts.memoryLimit !== undefined && !(typeof opts.memoryLimit === "number" && opts.memoryLimit > 0 && Number.isFinite(opts.memoryLimit))) {
    throw new TypeError(`jax.init: memoryLimit must be a positive number of bytes (e.g. 512 * 2 ** 20); got ${String(opts.memoryLimit)}.`);
  }
  if (relaxedSimd !== undefined && typeof relaxedSimd !== "boolean") {
    throw new TypeError(`jax.init: relaxedSimd must be a boolean; got ${String(relaxedSimd)}.`);
  }
}

let started: { options: InitOptions; done: Promise<BackendName[]> } | undefined;

/**
 * Starts the backends this runtime supports, makes the fastest the default (wasm), and
 * resolves to their names. Calling it again is a no-op, unless it names an option with another
 * value than the first call gave (or left at its default): that is an error.
 * @example await jax.init()                         // ["cpu", "wasm"]
 * @example await jax.init({ threads: 1, relaxedSimd: false, memoryLimit: 512 * 2 ** 20 })
 * @example await jax.init({ devices: 4 })          // jax.devices(): wasm:0 ... wasm:3
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
      const runtime = await loadWasmRuntime({ threads, relaxedSimd: options.relaxedSimd, devices: options.devices });
      // The compiled wasm backend becomes the default; cpu stays available as the reference.
      registerBackend(new WasmBackend(runtime as LoadedRuntime, options.devices ?? runtime.threads), true);
    } catch (e) {
      console.info(`webjax: the wasm backend is unavailable here (${(e as Error).message}); using cpu.`);
    }
    return registeredBackends();
  })();
  started = { options: { ...options }, done };
  return done;
}
