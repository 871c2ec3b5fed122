// Instantiates a core variant. The threaded ones run over a shared
// WebAssembly.Memory with a pool of workers (workers.ts) that instantiate the same
// compiled module; the calling thread takes part in every parallel kernel and spins
// while the workers finish. Where the engine has relaxed SIMD (Chromium >= 114, Deno;
// not Node 20 without --experimental-wasm-relaxed-simd) the threaded variant is
// webjax-relaxed-threads.wasm, whose GEMM uses fused multiply-add.

import { relaxedSimd, simd, threads as threadsSupported } from "wasm-feature-detect";

import { Core, MAX_THREADS } from "../../../bindings/core.js";
import { isNode, isServed, readWasmBytes, wasmUrl, type WasmFile } from "./locate.js";
import type { WasmRuntime } from "./runtime.js";
import { startWorkers, type PoolWorker } from "./workers.js";

export interface WasmRuntimeOptions {
  /** false: single-threaded; a number: that many threads in all; default: all cores. */
  threads?: boolean | number;
  /** false: never the relaxed-SIMD variant, so results match engines without it bit for bit. */
  relaxedSimd?: boolean;
}

export type WasmVariant = "relaxed-threads" | "simd-threads" | "simd";

const INITIAL_PAGES = 256; // 16 MiB, as linked (CMakeLists.txt)
const MAX_PAGES = [65536, 32768, 16384]; // 4 GiB, else less where the engine refuses
const WORKER_STACK_BYTES = 256 * 1024;

/** A loaded runtime; `lastThreadIds` is a diagnostic for tests. */
export class LoadedRuntime implements WasmRuntime {
  constructor(
    readonly variant: WasmVariant,
    readonly threads: number,
    /** The memory's declared maximum: the most the heap can ever reach. */
    readonly maxMemoryBytes: number,
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

  const [variant, module] = await compileCore(threaded, opts.relaxedSimd !== false);
  const [memory, maxMemoryBytes] = createMemory(threaded);
  // wj_host: programs call back into JS for primitives without a C++ kernel (Core.hostCall).
  let core: Core | undefined;
  const instance = await WebAssembly.instantiate(module, { env: { memory, wj_host: (id: number) => core!.hostCall(id) } });
  core = new Core(instance, memory);
  core.setNumThreads(1);
  // Deno installs no wasm trap handler, so V8 bounds-checks every load there (Node and
  // browsers use guard pages); kernels that can trade loads for shuffles then do.
  core.setCheckedLoads("Deno" in globalThis);
  if (!threaded) return new LoadedRuntime("simd", 1, maxMemoryBytes, core, [], forget);

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
  return new LoadedRuntime(variant, threads, maxMemoryBytes, core, workers, forget);
}

/** The best variant this engine runs, compiled: relaxed SIMD when it has it, else plain SIMD. */
async function compileCore(threaded: boolean, relaxedWanted: boolean): Promise<[WasmVariant, WebAssembly.Module]> {
  const compile = async (file: WasmFile) => WebAssembly.compile(await readWasmBytes(wasmUrl(file)));
  if (threaded && relaxedWanted && isServed("webjax-relaxed-threads.wasm") && (await relaxedSimd())) {
    try {
      return ["relaxed-threads", await compile("webjax-relaxed-threads.wasm")];
    } catch (e) {
      infoOnce(`webjax: the relaxed-SIMD variant did not load, using simd-threads (${(e as Error).message})`);
    }
  }
  return threaded ? ["simd-threads", await compile("webjax-simd-threads.wasm")] : ["simd", await compile("webjax-simd.wasm")];
}

function createMemory(shared: boolean): [WebAssembly.Memory, number] {
  for (const maximum of MAX_PAGES) {
    try {
      return [new WebAssembly.Memory({ initial: INITIAL_PAGES, maximum, shared }), maximum * 65536];
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

