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
import { describeFailure, startWorkers, type PoolWorker } from "./workers.js";

export interface WasmRuntimeOptions {
  /** false: single-threaded; a number: that many threads in all; default: all cores. */
  threads?: boolean | number;
  /** false: never the relaxed-SIMD variant, so results match engines without it bit for bit. */
  relaxedSimd?: boolean;
  /** Devices that run programs of their own (jax.init({devices})): device d runs on pool thread d, so at least this many threads are started. */
  devices?: number;
}

export type WasmVariant = "relaxed-threads" | "simd-threads" | "simd";

const INITIAL_PAGES = 256; // 16 MiB, as linked (CMakeLists.txt)
const MAX_PAGES = [65536, 32768, 16384]; // 4 GiB, else less where the engine refuses
const WORKER_STACK_BYTES = 256 * 1024;

/**
 * The pool's workers by tid. A worker whose thread ends, or that the core reports lost (no
 * progress during a kernel, see core-cpp/threads.cpp), is replaced by a new one on the same
 * tid; meanwhile the calling thread runs that worker's slices.
 */
class Pool {
  private readonly workers = new Map<number, PoolWorker>();
  private readonly replacing = new Map<number, Promise<void>>();
  private disposed = false;
  /** Workers started to replace lost ones. */
  replaced = 0;

  constructor(
    private readonly module: WebAssembly.Module,
    private readonly memory: WebAssembly.Memory,
    private readonly core: Core,
    workers: PoolWorker[],
  ) {
    for (const w of workers) this.watch(w);
    core.onWorkerLost = (tid) => this.lost(tid);
  }

  private watch(w: PoolWorker): void {
    this.workers.set(w.tid, w);
    w.onExit = () => this.workers.get(w.tid) === w && this.lost(w.tid);
  }

  lost(tid: number): void {
    if (this.disposed || this.replacing.has(tid)) return;
    const done = (async () => {
      await Promise.resolve(); // never inside the wasm call that reported it
      this.workers.get(tid)?.terminate();
      // The old stack is not reused: a thread that was only slow may still be unwinding on it.
      const [w] = await startWorkers(this.module, this.memory, [{ tid, stackTop: this.core.allocStack(WORKER_STACK_BYTES) }]);
      if (this.disposed) return w.terminate();
      this.watch(w);
      this.replaced++;
    })()
      .catch((e) => console.info(`webjax: could not replace wasm worker ${tid} (${describeFailure(e)}); the calling thread runs its share`))
      .finally(() => this.replacing.delete(tid));
    this.replacing.set(tid, done);
  }

  /** Resolves when no replacement is under way. */
  async settled(): Promise<void> {
    while (this.replacing.size) await Promise.all(this.replacing.values());
  }

  kill(tid: number): void {
    this.workers.get(tid)?.kill();
  }

  /** Whether a worker serves each of `tids` now (none lost or being replaced). */
  serving(tids: readonly number[]): boolean {
    return tids.every((t) => t === 0 || (this.workers.has(t) && !this.replacing.has(t)));
  }

  dispose(): void {
    this.disposed = true;
    for (const w of this.workers.values()) w.terminate();
  }
}

/** A loaded runtime; `lastThreadIds` and the pool hooks are diagnostics for tests. */
export class LoadedRuntime implements WasmRuntime {
  constructor(
    readonly variant: WasmVariant,
    readonly threads: number,
    /** The memory's declared maximum: the most the heap can ever reach. */
    readonly maxMemoryBytes: number,
    private readonly core: Core,
    private readonly pool: Pool | undefined,
    private readonly forget: () => void,
  ) {}

  addF32(a: Float32Array, b: Float32Array): Float32Array {
    return this.core.addF32(a, b);
  }

  /** The typed wrapper over the exports, for the wasm Backend. */
  get kernels(): Core {
    return this.core;
  }

  /**
   * Why this runtime has no worker threads (devices then run one after another on the calling
   * thread), or undefined when it has them.
   */
  whyNoWorkers: string | undefined;

  lastThreadIds(): number[] {
    return this.core.lastThreadIds();
  }

  /** Test hooks: worker `tid` traps (or its thread ends) in its next kernel slice. */
  testPoolFault(kind: "trap" | "die", tid: number): void {
    this.core.exports.wj_test_pool_hook(kind === "trap" ? 1 : 2, tid);
  }

  /** Test hooks for devices: device thread `tid` traps ("trap") or its thread ends ("die") at its next collective. */
  testDeviceFault(kind: "trap" | "die", tid: number): void {
    this.core.exports.wj_test_device_hook(kind === "trap" ? 1 : 2, tid);
  }

  /** Whether the threads that run `tids` are there to run device programs now. */
  devicesReady(tids: readonly number[]): boolean {
    return !!this.pool && this.pool.serving(tids);
  }

  /** Test hook: ends worker `tid`'s thread now, as a crash would (it is parked between calls). */
  testKillWorker(tid: number): void {
    this.pool?.kill(tid);
  }

  /** How long (ms) a worker may show no progress during a kernel before it is replaced (default 10 s). */
  setStallMs(ms: number): void {
    this.core.setStallMs(ms);
  }

  /** Workers started so far to replace lost ones, and a promise for those under way. */
  get replacedWorkers(): number {
    return this.pool?.replaced ?? 0;
  }

  poolSettled(): Promise<void> {
    return this.pool?.settled() ?? Promise.resolve();
  }

  dispose(): void {
    this.forget();
    this.pool?.dispose();
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
  if (!threaded) {
    const rt = new LoadedRuntime("simd", 1, maxMemoryBytes, core, undefined, forget);
    rt.whyNoWorkers = why ?? "jax.init({threads: 1}) (or false) asked for no threads besides the calling one";
    return rt;
  }

  let workers: PoolWorker[] = [];
  // Kernels use `wanted` threads; devices need one each (device d runs on thread d).
  const started = Math.max(wanted, clampThreads(opts.devices ?? 1));
  // The calling thread may block while devices run, except a browser's main thread.
  core.callerMayWait = isNode || "Deno" in globalThis || typeof (globalThis as { WorkerGlobalScope?: unknown }).WorkerGlobalScope !== "undefined";
  try {
    const stacks = Array.from({ length: started - 1 }, (_, i) => ({ tid: i + 1, stackTop: core.allocStack(WORKER_STACK_BYTES) }));
    workers = await startWorkers(module, memory, stacks);
  } catch (e) {
    infoOnce(`webjax: wasm workers failed to start, running single-threaded (${describeFailure(e)})`);
  }
  // Only now, with every worker parked in wj_worker_loop, may kernels use them.
  const threads = Math.min(workers.length + 1, wanted);
  core.setNumThreads(threads);
  const rt = new LoadedRuntime(variant, threads, maxMemoryBytes, core, new Pool(module, memory, core, workers), forget);
  if (!workers.length && wanted > 1) rt.whyNoWorkers = "the wasm workers failed to start";
  return rt;
}

/** The best variant this engine runs, compiled: relaxed SIMD when it has it, else plain SIMD. */
async function compileCore(threaded: boolean, relaxedWanted: boolean): Promise<[WasmVariant, WebAssembly.Module]> {
  const compile = async (file: WasmFile) => {
    const bytes = await readWasmBytes(wasmUrl(file));
    try {
      return await WebAssembly.compile(bytes);
    } catch (e) {
      // Chromium: "Refused to compile or instantiate WebAssembly module because 'unsafe-eval' is not ...".
      if (/Content Security Policy|unsafe-eval|wasm-eval/i.test(describeFailure(e))) {
        throw new Error(`the page's Content-Security-Policy forbids compiling WebAssembly: add 'wasm-unsafe-eval' to its script-src (${describeFailure(e)})`);
      }
      throw e;
    }
  };
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

