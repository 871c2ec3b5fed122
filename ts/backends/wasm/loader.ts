// Instantiates a core variant. The threaded ones run over a shared
// WebAssembly.Memory with a pool of workers (workers.ts) that instantiate the same
// compiled module; the calling thread takes part in every parallel kernel and spins
// while the workers finish. Where the engine has relaxed SIMD (Chromium >= 114, Deno;
// not Node 20 without --experimental-wasm-relaxed-simd) the threaded variant is
// webjax-relaxed-threads.wasm, whose GEMM uses fused multiply-add.

import { relaxedSimd, simd, threads as threadsSupported } from "wasm-feature-detect";

import { Core, MAX_THREADS } from "../../../bindings/core.js";
import { inlinedWasm, isNode, isServed, nodeBuiltin, readWasmBytes, wasmUrl, type WasmFile } from "./locate.js";
import type { WasmRuntime } from "./runtime.js";
import { describeFailure, startWorkers, type PoolWorker } from "./workers.js";

export interface WasmRuntimeOptions {
  /** false: single-threaded; a number: that many threads in all; default: all cores. */
  threads?: boolean | number;
  /** false: never the relaxed-SIMD variant, so results match engines without it bit for bit. */
  relaxedSimd?: boolean;
  /** An already compiled core (one of wasm/webjax-*.wasm), for runtimes that forbid compiling bytes. */
  module?: WebAssembly.Module;
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
  /** Threads that run kernels now: 1 until the pool's workers have started (joinPool). */
  threads = 1;
  /** Resolves once the pool has joined (or failed to, and the runtime stays single-threaded). */
  poolReady: Promise<void> = Promise.resolve();
  /** The threads kernels will use once the pool has joined (the default device count). */
  wantedThreads = 1;
  /**
   * Why this runtime has no worker threads (devices then run one after another on the calling
   * thread), or undefined when it has them (or they are still starting).
   */
  whyNoWorkers: string | undefined;
  private pool: Pool | undefined;
  private disposed = false;

  constructor(
    readonly variant: WasmVariant,
    /** The memory's declared maximum: the most the heap can ever reach. */
    readonly maxMemoryBytes: number,
    private readonly core: Core,
    private readonly module: WebAssembly.Module,
    private readonly forget: () => void,
  ) {}

  /**
   * Starts `wanted - 1` workers over the shared memory; kernels use them from the first call
   * after they are all parked in wj_worker_loop (their "ready" arrives between calls, never
   * inside one).
   */
  joinPool(wanted: number, devices = 1): Promise<void> {
    this.wantedThreads = wanted;
    // Kernels use `wanted` threads; devices need one each (device d runs on thread d).
    const started = Math.max(wanted, clampThreads(devices));
    this.poolReady = (async () => {
      let workers: PoolWorker[] = [];
      try {
        const stacks = Array.from({ length: started - 1 }, (_, i) => ({ tid: i + 1, stackTop: this.core.allocStack(WORKER_STACK_BYTES) }));
        workers = await startWorkers(this.module, this.core.memory, stacks);
      } catch (e) {
        infoOnce(`webjax: wasm workers failed to start, running single-threaded (${describeFailure(e)})`);
        this.whyNoWorkers = `the wasm workers failed to start (${describeFailure(e)})`;
      }
      this.pool = new Pool(this.module, this.core.memory, this.core, workers);
      if (this.disposed) return this.pool.dispose();
      this.threads = Math.min(workers.length + 1, wanted);
      this.core.setNumThreads(this.threads);
    })();
    return this.poolReady;
  }

  /** Test hooks for devices: device thread `tid` traps ("trap") or its thread ends ("die") at its next collective. */
  testDeviceFault(kind: "trap" | "die", tid: number): void {
    this.core.exports.wj_test_device_hook(kind === "trap" ? 1 : 2, tid);
  }

  /** Whether the threads that run `tids` are there to run device programs now. */
  devicesReady(tids: readonly number[]): boolean {
    return !!this.pool && this.pool.serving(tids);
  }

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

  /** Test hooks: worker `tid` traps (or its thread ends) in its next kernel slice. */
  testPoolFault(kind: "trap" | "die", tid: number): void {
    this.core.exports.wj_test_pool_hook(kind === "trap" ? 1 : 2, tid);
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
    this.disposed = true;
    this.forget();
    this.pool?.dispose();
  }
}

export async function load(opts: WasmRuntimeOptions, forget: () => void): Promise<WasmRuntime> {
  if (!opts.module && !(await simd())) throw new Error("this engine lacks WebAssembly SIMD128, which the wasm backend needs");
  const wanted = opts.threads === false ? 1 : clampThreads(typeof opts.threads === "number" ? opts.threads : await defaultThreadCount());
  const why = opts.threads === false ? undefined : (whyNoThreadsHere() ?? ((await threadsSupported()) ? undefined : "this engine lacks WebAssembly threads"));
  if (why) infoOnce(`webjax: wasm backend runs single-threaded: ${why}`);
  const threaded = opts.threads !== false && !why;

  const runtime = opts.module
    ? instantiateGiven(opts.module, threaded, forget)
    : instantiate(...(await compileCore(threaded, opts.relaxedSimd !== false)), forget);
  if (runtime.variant !== "simd") await runtime.joinPool(wanted, opts.devices);
  else runtime.whyNoWorkers = why ?? "jax.init({threads: 1}) (or false) asked for no threads besides the calling one";
  return runtime;
}

/**
 * `load`, synchronously, from bytes at hand (`bytesOf` returns a file's bytes or throws why it
 * cannot): the runtime works at once, single-threaded, and the pool joins when its workers
 * have started (`poolReady`). Throws when the core cannot start here.
 */
export function loadSync(opts: WasmRuntimeOptions, bytesOf: (file: WasmFile) => Uint8Array, forget: () => void): LoadedRuntime {
  const wanted = opts.threads === false ? 1 : clampThreads(typeof opts.threads === "number" ? opts.threads : defaultThreadCountSync());
  const threaded = opts.threads !== false && !whyNoThreadsHere();
  let runtime: LoadedRuntime | undefined;
  // Compiling is the feature test: an engine without relaxed SIMD or threads rejects that variant.
  const tries: WasmVariant[] = threaded ? (opts.relaxedSimd !== false ? ["relaxed-threads", "simd-threads", "simd"] : ["simd-threads", "simd"]) : ["simd"];
  for (const variant of tries.filter((v) => v === "simd" || isServed(`webjax-${v}.wasm`))) {
    const bytes = bytesOf(`webjax-${variant}.wasm`); // a file that cannot be read ends the attempt
    try {
      runtime = instantiate(variant, new WebAssembly.Module(bytes as BufferSource), forget);
      break;
    } catch (e) {
      if (variant === "simd") throw cspError(e) ?? e;
    }
  }
  if (runtime!.variant !== "simd") void runtime!.joinPool(wanted, opts.devices);
  else runtime!.whyNoWorkers = whyNoThreadsHere() ?? (opts.threads === false ? "jax.init({threads: 1}) (or false) asked for no threads besides the calling one" : "this engine lacks WebAssembly threads");
  return runtime!;
}

/** Instantiates a compiled variant over a new memory (shared for the threaded ones), single-threaded for now. */
function instantiate(variant: WasmVariant, module: WebAssembly.Module, forget: () => void): LoadedRuntime {
  const [memory, maxMemoryBytes] = createMemory(variant !== "simd");
  // wj_host: programs call back into JS for primitives without a C++ kernel (Core.hostCall).
  let core: Core | undefined;
  const instance = new WebAssembly.Instance(module, { env: { memory, wj_host: (id: number) => core!.hostCall(id) } });
  core = new Core(instance, memory);
  core.setNumThreads(1);
  // Deno installs no wasm trap handler, so V8 bounds-checks every load there (Node and
  // browsers use guard pages); kernels that can trade loads for shuffles then do.
  core.setCheckedLoads("Deno" in globalThis);
  // The calling thread may block while devices run, except a browser's main thread.
  core.callerMayWait = isNode || "Deno" in globalThis || typeof (globalThis as { WorkerGlobalScope?: unknown }).WorkerGlobalScope !== "undefined";
  return new LoadedRuntime(variant, maxMemoryBytes, core, module, forget);
}

/** A module the caller compiled: its memory import tells threaded (shared) from single-threaded. */
function instantiateGiven(module: WebAssembly.Module, threaded: boolean, forget: () => void): LoadedRuntime {
  if (threaded) {
    try {
      return instantiate("simd-threads", module, forget);
    } catch (e) {
      if (!(e instanceof WebAssembly.LinkError)) throw e;
    }
  }
  return instantiate("simd", module, forget);
}

/** Chromium: "Refused to compile or instantiate WebAssembly module because 'unsafe-eval' is not ...". */
function cspError(e: unknown): Error | undefined {
  if (!/Content Security Policy|unsafe-eval|wasm-eval/i.test(describeFailure(e))) return undefined;
  return new Error(`the page's Content-Security-Policy forbids compiling WebAssembly: add 'wasm-unsafe-eval' to its script-src (${describeFailure(e)})`);
}

/** The best variant this engine runs, compiled: relaxed SIMD when it has it, else plain SIMD. */
async function compileCore(threaded: boolean, relaxedWanted: boolean): Promise<[WasmVariant, WebAssembly.Module]> {
  const compile = async (file: WasmFile) => {
    const bytes = inlinedWasm(file) ?? (await readWasmBytes(wasmUrl(file)));
    try {
      return await WebAssembly.compile(bytes as BufferSource);
    } catch (e) {
      throw cspError(e) ?? e;
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

function defaultThreadCountSync(): number {
  const os = nodeBuiltin<typeof import("node:os")>("node:os");
  if (os) return os.availableParallelism?.() ?? os.cpus().length;
  return typeof navigator !== "undefined" && navigator.hardwareConcurrency ? navigator.hardwareConcurrency : 1;
}

/** Why the threaded variant cannot run here (short of the engine's support), or undefined when it can. */
function whyNoThreadsHere(): string | undefined {
  if (typeof SharedArrayBuffer === "undefined" || typeof Atomics === "undefined") {
    return "SharedArrayBuffer is unavailable (serve the page with COOP: same-origin and COEP: require-corp)";
  }
  if ((globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === false) {
    return "the page is not cross-origin isolated (serve it with COOP: same-origin and COEP: require-corp)";
  }
  if (!isNode && typeof Worker === "undefined") return "Web Workers are unavailable";
  return undefined;
}

let infoShown = false;
function infoOnce(message: string): void {
  if (infoShown) return;
  infoShown = true;
  console.info(message);
}

