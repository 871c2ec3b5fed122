// `jax.init(options)`: starts the backends this runtime supports, once, with one set of options.

import { WasmBackend } from "./backends/wasm/backend.js";
import type { LoadedRuntime } from "./backends/wasm/loader.js";
import { loadWasmRuntime } from "./backends/wasm/runtime.js";
import { BackendName, registerBackend, registeredBackends } from "./core/backend.js";

/** Every setting `jax.init` takes. */
export interface InitOptions {
  /** Threads that run wasm kernels, the calling thread included (default: all cores); `false` or 1: none besides it. */
  threads?: number | false;
  /** `false`: never the relaxed-SIMD variant, so results are equal bit for bit on every machine. */
  relaxedSimd?: boolean;
}

const INIT_KEYS: readonly (keyof InitOptions)[] = ["threads", "relaxedSimd"];

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
  if (relaxedSimd !== undefined && typeof relaxedSimd !== "boolean") {
    throw new TypeError(`jax.init: relaxedSimd must be a boolean; got ${String(relaxedSimd)}.`);
  }
}

/** A canonical text of the options, to tell a repeated init from a conflicting one. */
const optionsKey = (o: InitOptions) => JSON.stringify(INIT_KEYS.map((k) => o[k] ?? null));

let started: { key: string; options: InitOptions; done: Promise<BackendName[]> } | undefined;

/**
 * Starts the backends this runtime supports, makes the fastest the default (wasm), and
 * resolves to their names. Calling it again with the same options is a no-op; with other
 * options once started, an error.
 * @example await jax.init()                         // ["cpu", "wasm"]
 * @example await jax.init({ threads: 1, relaxedSimd: false })
 */
export function init(options: InitOptions = {}): Promise<BackendName[]> {
  checkOptions(options);
  const key = optionsKey(options);
  if (started) {
    if (started.key !== key) {
      return Promise.reject(new Error(`jax.init was already called with ${JSON.stringify(started.options)}; ` +
        `it cannot start again with ${JSON.stringify(options)}. Call it once, before any other webjax call, with every option.`));
    }
    return started.done;
  }
  const done = (async () => {
    try {
      const threads = options.threads === 1 ? false : options.threads;
      const runtime = await loadWasmRuntime({ threads, relaxedSimd: options.relaxedSimd });
      // The compiled wasm backend becomes the default; cpu stays available as the reference.
      registerBackend(new WasmBackend(runtime as LoadedRuntime), true);
    } catch (e) {
      console.info(`webjax: the wasm backend is unavailable here (${(e as Error).message}); using cpu.`);
    }
    return registeredBackends();
  })();
  started = { key, options: { ...options }, done };
  return done;
}
