// Instantiates a core variant. The threaded one runs over a shared
// WebAssembly.Memory with a pool of workers (workers.ts); the calling thread
// takes part in every parallel kernel and spins while the workers finish.

import { simd, threads as threadsSupported } from "wasm-feature-detect";

import { Core, MAX_THREADS } from "../../../bindings/core.js";
import { isNode, readWasmBytes, wasmUrl, type WasmFile } from "./locate.js";
import type { WasmRuntime } from "./runtime.js";
import { startWorkers, type PoolWorker } from "./workers.js";

export interface WasmRuntimeOptions {
  /** false: single-threaded; a number: that many threads in all; default: all cores. */
  threads?: boolean | number;
}

const INITIAL_PAGES = 256; // 16 MiB, as linked (CMakeLists.txt)
const MAX_PAGES = [65536, 32768, 16384]; // 4 GiB, else less where the engine refuses
const WORKER_STACK_BYTES = 256 * 1024;

/** A loaded runtime; `lastThreadIds` is a diagnostic for tests. */
export class LoadedRuntime implements WasmRuntime {
  constructor(
    readonly variant: "simd-threads" | "simd",
    readonly threads: number,
    private readonly core: Core,
    private readonly workers: PoolWorker[],
    private readonly forget: () => void,
  ) {}

  addF32(a: Float32Array, b: Float32Array): Float32Array {
    return this.core.addF32(a, b);
  }

  /** The typed wrapper over the exports, for the wasm Backend. */
  get kernels(): Core {
    return this.core;
  }

  lastThreadIds(): number[] {
    return this.core.lastThreadIds();
  }

  dispose(): void {
    this.forget();
    for (const w of this.workers) w.terminate();
  }
}

export async function load(opts: WasmRuntimeOptions, forget: () => void): Promise<WasmRuntime> {
  if (!(await simd())) throw new Error("webjax: this engine lacks WebAssembly SIMD128, which the wasm backend needs");
  const wanted = opts.threads === false ? 1 : clampThreads(typeof opts.threads === "number" ? opts.threads : await defaultThreadCount());
  const why = opts.threads === false ? undefined : await whyNoThreads();
  if (why) infoOnce(`webjax: wasm backend runs single-threaded: ${why}`);
  const threaded = opts.threads !== false && !why;

  const file: WasmFile = threaded ? "webjax-simd-threads.wasm" : "webjax-simd.wasm";
  const module = await WebAssembly.compile(await readWasmBytes(wasmUrl(file)));
  const memory = createMemory(threaded);
  // wj_host: programs call back into JS for primitives without a C++ kernel (Core.hostCall).
  let core: Core | undefined;
  const instance = await WebAssembly.instantiate(module, { env: { memory, wj_host: (id: number) => core!.hostCall(id) } });
  core = new Core(instance, memory);
  core.setNumThreads(1);
  if (!threaded) return new LoadedRuntime("simd", 1, core, [], forget);

  let workers: PoolWorker[] = [];
  try {
    const stacks = Array.from({ length: wanted - 1 }, () => core.allocStack(WORKER_STACK_BYTES));
    workers = await startWorkers(module, memory, stacks);
  } catch (e) {
    infoOnce(`webjax: wasm workers failed to start, running single-threaded (${(e as Error).message})`);
  }
  // Only now, with every worker parked in wj_worker_loop, may kernels use them.
  const threads = workers.length + 1;
  core.setNumThreads(threads);
  return new LoadedRuntime("simd-threads", threads, core, workers, forget);
}

function createMemory(shared: boolean): WebAssembly.Memory {
  for (const maximum of MAX_PAGES) {
    try {
      return new WebAssembly.Memory({ initial: INITIAL_PAGES, maximum, shared });
    } catch (e) {
      if (maximum === MAX_PAGES[MAX_PAGES.length - 1]) throw e;
    }
  }
  throw new Error("unreachable");
}

function clampThreads(n: number): number {
  return Math.max(1, Math.min(MAX_THREADS, Math.floor(n)));
}

async function defaultThreadCount(): Promise<number> {
  if (isNode) {
    const os = await import("node:os");
    return os.availableParallelism?.() ?? os.cpus().length;
  }
  return typeof navigator !== "undefined" && navigator.hardwareConcurrency ? navigator.hardwareConcurrency : 1;
}

/** Why the threaded variant cannot run here, or undefined when it can. */
async function whyNoThreads(): Promise<string | undefined> {
  if (typeof SharedArrayBuffer === "undefined" || typeof Atomics === "undefined") {
    return "SharedArrayBuffer is unavailable (serve the page with COOP: same-origin and COEP: require-corp)";
  }
  if ((globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === false) {
    return "the page is not cross-origin isolated (serve it with COOP: same-origin and COEP: require-corp)";
  }
  if (!(await threadsSupported())) return "this engine lacks WebAssembly threads";
  if (!isNode && typeof Worker === "undefined") return "Web Workers are unavailable";
  return undefined;
}

let infoShown = false;
function infoOnce(message: string): void {
  if (infoShown) return;
  infoShown = true;
  console.info(message);
}

