// `jax.init(options)`: starts the backends this runtime supports, once, with one set of options.
// Forgetting it is no trap: the first operation starts the wasm backend itself where that can
// be done synchronously (see autoStart), and otherwise says once that it runs on the reference
// interpreter until `await jax.init()`.

import { WasmBackend } from "./backends/wasm/backend.js";
import { WebGpuBackend } from "./backends/webgpu/backend.js";
import type { LoadedRuntime } from "./backends/wasm/loader.js";
import { loadWasmRuntime, startWasmRuntimeSync } from "./backends/wasm/runtime.js";
import { BackendName, onFirstUse, registerBackend, registeredBackends } from "./core/backend.js";
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
  /**
   * An already compiled core, for edge runtimes that forbid compiling bytes (Cloudflare Workers:
   * `import wasmModule from "webjax/wasm/webjax-simd.wasm"`). A module over shared memory
   * (webjax-simd-threads.wasm) runs threaded where the runtime allows threads.
   */
  wasmModule?: WebAssembly.Module;
  /**
   * `true`: when the wasm backend cannot start, resolve anyway and run on the cpu reference
   * interpreter (float64, one equation at a time: tens to thousands of times slower). By default `init` rejects with the reason.
   */
  allowFallback?: boolean;
  /**
   * `false`: do not start WebGPU even where an adapter exists. By default `init` starts it
   * wherever the engine has WebGPU and an adapter; it becomes the default backend on a hardware
   * adapter only (a software one, SwiftShader or llvmpipe, is slower than wasm on the same CPU).
   */
  webgpu?: boolean;
}

const INIT_KEYS: readonly (keyof InitOptions)[] = ["threads", "devices", "relaxedSimd", "memoryLimit", "wasmModule", "allowFallback", "webgpu"];
/** Options that shape the running runtime; `allowFallback` only says what a failed start does. */
const RUNTIME_KEYS: readonly (keyof InitOptions)[] = ["threads", "devices", "relaxedSimd", "memoryLimit", "wasmModule", "webgpu"];

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
  const { threads, relaxedSimd, wasmModule, allowFallback } = opts;
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
  if (allowFallback !== undefined && typeof allowFallback !== "boolean") {
    throw new TypeError(`jax.init: allowFallback must be a boolean; got ${String(allowFallback)}.`);
  }
  if (wasmModule !== undefined && !(typeof WebAssembly !== "undefined" && wasmModule instanceof WebAssembly.Module)) {
    throw new TypeError(`jax.init: wasmModule must be a compiled WebAssembly.Module of one of webjax's wasm/webjax-*.wasm files; got ${String(wasmModule)}.`);
  }
  if (opts.webgpu !== undefined && typeof opts.webgpu !== "boolean") {
    throw new TypeError(`jax.init: webgpu must be a boolean; got ${String(opts.webgpu)}.`);
  }
}

/** How the runtime started: by `init` (with these options) or by the first operation (defaults). */
let started: { options: InitOptions; auto: boolean; done: Promise<BackendName[]>; gpu?: boolean } | undefined;
let noticeShown = false;

/**
 * Starts the backends this runtime supports (cpu, wasm, and webgpu where the engine has an
 * adapter), makes the fastest the default (webgpu on a hardware adapter, else wasm), and
 * resolves to their names. Without it, the first operation starts the wasm backend with the
 * default options where it can be loaded synchronously (Node, Deno, workers, the inline build);
 * `await jax.init()` then resolves once the thread pool has joined, and starts WebGPU (which
 * only starts asynchronously). Calling it again is a no-op, unless it names an option with
 * another value than the first start used (or left at its default): that is an error. When the
 * wasm backend cannot start it rejects with the reason, unless `allowFallback: true` lets it run
 * on the cpu reference interpreter.
 * @example await jax.init()                         // ["cpu", "wasm"] in Node; ["cpu", "wasm", "webgpu"] where WebGPU has an adapter
 * @example await jax.init({ threads: 1, relaxedSimd: false, memoryLimit: 512 * 2 ** 20 })
 * @example await jax.init({ devices: 4 })          // jax.devices(): wasm:0 ... wasm:3
 * @example await jax.init({ allowFallback: true })  // ["cpu"] where wasm cannot load, with a notice
 */
export function init(options: InitOptions = {}): Promise<BackendName[]> {
  checkOptions(options);
  if (started) {
    const first = started.options;
    const changed = RUNTIME_KEYS.filter((k) => k in options && options[k] !== first[k]);
    if (changed.length) {
      const how = started.auto
        ? "webjax started the wasm backend by itself at the first operation, with the default options"
        : `jax.init already started the runtime with ${describe(first)}`;
      return Promise.reject(new Error(`${how}; it cannot change ${changed.join(", ")} now. Call \`await jax.init({...})\` once, ` +
        "before any other webjax call, with every option" +
        (changed.includes("memoryLimit") ? ` (the memory limit can change at run time: jax.config.update("memoryLimit", bytes)).` : ".")));
    }
    if (started.auto && !started.gpu && options.webgpu !== false) {
      started.gpu = true;
      started.done = started.done.then(async () => (await startWebGpu(), registeredBackends()));
    }
    return started.done;
  }
  // init decides now; an operation before it resolves runs on the reference interpreter.
  onFirstUse(() => notice("`jax.init()` has not finished yet: `await` it before the first operation"));
  const done = (async () => {
    try {
      return await start(options);
    } finally {
      onFirstUse(null); // started, or rejected with the reason: either way nothing is left to say
    }
  })();
  const record = { options: { ...options }, auto: false, done };
  started = record;
  // A rejected start may be retried (after setWasmPaths, say): it leaves nothing started.
  done.catch(() => {
    if (started === record) started = undefined;
  });
  return done;
}

async function start(options: InitOptions): Promise<BackendName[]> {
  if (options.memoryLimit !== undefined) config.update("memoryLimit", options.memoryLimit);
  try {
    const threads = options.threads === 1 ? false : options.threads;
    const runtime = (await loadWasmRuntime({ threads, relaxedSimd: options.relaxedSimd, module: options.wasmModule, devices: options.devices })) as LoadedRuntime;
    // The compiled wasm backend becomes the default; cpu stays available as the reference.
    registerBackend(new WasmBackend(runtime, options.devices ?? runtime.wantedThreads), true);
  } catch (e) {
    const reason = (e as Error).message;
    if (!options.allowFallback) {
      throw new Error(`webjax: the wasm backend could not start: ${reason}. Fix that (serve the wasm files and see setWasmPaths, ` +
        `or import "webjax/inline", which carries them inside), or call jax.init({ allowFallback: true }) to run on the cpu ` +
        "reference interpreter (float64, one equation at a time: tens to thousands of times slower).");
    }
    console.info(`webjax: the wasm backend is unavailable here (${reason}); using cpu (allowFallback).`);
  }
  if (options.webgpu !== false) await startWebGpu();
  return registeredBackends();
}

/** Registers WebGPU where the engine has an adapter; a software adapter can be asked for (setDefaultBackend, jit's backend, devicePut) but is never the default. */
async function startWebGpu(): Promise<void> {
  try {
    const gpu = await WebGpuBackend.create();
    if (gpu) registerBackend(gpu, !gpu.adapter.software);
  } catch (e) {
    console.info(`webjax: WebGPU has an adapter here but could not start (${(e as Error).message}); not using it.`);
  }
}

function describe(opts: InitOptions): string {
  const shown = Object.entries(opts).map(([k, v]) => `${k}: ${v instanceof WebAssembly.Module ? "<WebAssembly.Module>" : JSON.stringify(v)}`);
  return `{${shown.join(", ")}}`;
}

/**
 * The first operation before `init`: start the wasm backend now if its bytes are at hand
 * (threads join when the pool's workers are up, so a loop that never awaits stays
 * single-threaded), else say once how to get it and run on the reference interpreter.
 */
function autoStart(): void {
  try {
    const runtime = startWasmRuntimeSync({});
    // As many devices as the pool will have threads (it joins later).
    registerBackend(new WasmBackend(runtime, runtime.wantedThreads), true);
    started = { options: {}, auto: true, done: runtime.poolReady.then(() => registeredBackends()) };
  } catch (e) {
    notice(`the wasm backend could not start by itself here (${(e as Error).message}). Call \`await jax.init()\` before the first operation`);
  }
}

/** The one notice that operations run on the reference interpreter for now. */
function notice(why: string): void {
  if (noticeShown) return;
  noticeShown = true;
  console.warn(`webjax: running on the cpu reference interpreter (float64, one equation at a time: tens to thousands of times slower): ${why}; ` +
    "arrays made before it move to the wasm backend when next used.");
}

onFirstUse(autoStart);
