// The worker side of the thread pool: N-1 workers, each instantiating the core module over
// the shared memory and parking in wj_worker_loop (C++, blocking on memory.atomic.wait32).
// Node and Deno use node:worker_threads (Deno's Web Workers cannot be unref'd, so a parked
// one would keep Deno from exiting) with the body evaluated inline; browsers use classic Web
// Workers from a Blob URL, or, where the page's Content-Security-Policy forbids blob: workers,
// the same body served as webjax-worker.js (shipped in wasm/, see setWasmPaths).
//
// A trap in a kernel slice unwinds the worker's wj_worker_loop: the loop below records the
// message for the caller (core-cpp/threads.cpp reports it there), resets the stack and
// serves the next job.

import { isNode, isServed, workerUrl } from "./locate.js";

interface StartMessage {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  tid: number;
  stackTop: number;
}

// `post`, `onStart` and `die` are bound per platform by the preludes below. Only the
// dynamic import() works in a CommonJS eval, an ES module eval (`node --input-type=module
// -e`) and Deno alike.
const WORKER_BODY = `
const HOST_DIE = -2, DIE = {};
onStart(async (d) => {
  let ex;
  try {
    // Workers only run kernel slices; host callbacks happen on the calling thread.
    const host = (id) => {
      if (id === HOST_DIE) { die(); throw DIE; }  // a test hook: this thread ends mid-call
      throw new Error("wj_host(" + id + ") on a worker");
    };
    ex = (await WebAssembly.instantiate(d.module, { env: { memory: d.memory, wj_host: host } })).exports;
    ex.wj_set_stack(d.stackTop);
  } catch (e) {
    post("error: " + (e && e.message || e));
    return;
  }
  post("ready");
  for (;;) {
    try {
      ex.wj_worker_loop(d.tid);
    } catch (e) {
      if (e === DIE) return;
      const text = new TextEncoder().encode(String(e && e.message || e)).subarray(0, 240);
      const at = ex.wj_worker_fault_claim(d.tid) >>> 0;
      if (at) new Uint8Array(d.memory.buffer, at, text.length).set(text);
      ex.wj_worker_fault_done(d.tid, at ? text.length : -1);
      ex.wj_set_stack(d.stackTop);
    }
  }
});`;

const NODE_PRELUDE = `
let parentPort;
const post = (m) => parentPort.postMessage(m);
const onStart = (f) => import("node:worker_threads").then((w) => { parentPort = w.parentPort; parentPort.once("message", f); });
const die = () => parentPort.close?.();`;

const WEB_PRELUDE = `
const post = (m) => self.postMessage(m);
const onStart = (f) => { self.onmessage = (e) => { self.onmessage = null; f(e.data); }; };
const die = () => self.close();`;

/** The text of webjax-worker.js, the worker script served where blob: workers are forbidden. */
export const webWorkerScript = (): string => `// webjax wasm pool worker (generated from ts/backends/wasm/workers.ts)\n"use strict";${WEB_PRELUDE}${WORKER_BODY}\n`;

export interface PoolWorker {
  tid: number;
  terminate(): void;
  /** Ends the thread as a crash would (a test hook): onExit follows where the platform reports exits. */
  kill(): void;
  /** Called once if the worker's thread ends or fails after it started. */
  onExit?: () => void;
}

type Listener = (message: unknown) => void;

/** A readable reason from whatever a failed worker reported (ErrorEvents have no Error). */
export function describeFailure(e: unknown): string {
  if (e instanceof Error) return e.message;
  const m = (e as { message?: unknown } | null)?.message;
  if (typeof m === "string" && m) return m;
  return e === undefined || e === null || (typeof e === "object" && !m) ? "the worker failed to load (no message)" : String(e);
}

const CSP_HINT =
  "The page's Content-Security-Policy may forbid the worker: allow blob: in worker-src (or child-src/script-src), " +
  "or serve wasm/webjax-worker.js from an allowed origin and name it: setWasmPaths({ \"webjax-worker.js\": url, ... }).";

interface Spawned {
  post(m: StartMessage): void;
  terminate(): void;
}

async function spawnNode(onMessage: Listener, onError: (e: unknown) => void, onExit: () => void): Promise<Spawned> {
  const { Worker } = await import("node:worker_threads");
  const w = new Worker(NODE_PRELUDE + WORKER_BODY, { eval: true });
  w.on("message", onMessage);
  w.on("error", onError);
  w.on("exit", onExit);
  // A parked worker must not keep the process alive. unref() comes after on():
  // adding a "message" listener refs the worker's port again.
  w.unref();
  return { post: (m) => w.postMessage(m), terminate: () => void w.terminate() };
}

/** A Web Worker from a Blob URL, else (CSP) from the served webjax-worker.js. */
function spawnWeb(onMessage: Listener, onError: (e: unknown) => void, served: boolean): Spawned {
  let w: Worker;
  if (served) {
    w = new Worker(workerUrl());
  } else {
    const url = URL.createObjectURL(new Blob([webWorkerScript()], { type: "text/javascript" }));
    try {
      w = new Worker(url);
    } finally {
      URL.revokeObjectURL(url);
    }
  }
  w.onmessage = (e) => onMessage(e.data);
  w.onerror = (e) => {
    e.preventDefault?.();
    onError(e);
  };
  return { post: (m) => w.postMessage(m), terminate: () => w.terminate() };
}

/** Starts one worker and resolves once it instantiated the module and set its stack. */
async function startOne(module: WebAssembly.Module, memory: WebAssembly.Memory, tid: number, stackTop: number, served: boolean, timeoutMs: number): Promise<PoolWorker> {
  let settle!: (error?: unknown) => void;
  const started = new Promise<void>((resolve, reject) => {
    settle = (error) => (error === undefined ? resolve() : reject(error));
  });
  let running = false;
  const worker: PoolWorker = { tid, terminate: () => {}, kill: () => {} };
  const exited = () => {
    if (!running) return settle(new Error(`webjax worker ${tid} exited before it started`));
    running = false;
    worker.onExit?.();
  };
  const onMessage = (m: unknown) => {
    if (m === "ready") {
      running = true;
      settle();
    } else {
      settle(new Error(`webjax worker ${tid}: ${String(m)}`));
    }
  };
  const onError = (e: unknown) => (running ? exited() : settle(new Error(`webjax worker ${tid}: ${describeFailure(e)}`)));
  const w = isNode || "Deno" in globalThis ? await spawnNode(onMessage, onError, exited) : spawnWeb(onMessage, onError, served);
  worker.terminate = () => {
    running = false;
    w.terminate();
  };
  worker.kill = () => w.terminate();
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    w.post({ module, memory, tid, stackTop });
    await Promise.race([started, new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`webjax worker ${tid} did not start in ${timeoutMs / 1000} s`)), timeoutMs);
    })]);
  } catch (e) {
    w.terminate();
    throw e;
  } finally {
    clearTimeout(timer);
  }
  return worker;
}

/**
 * Starts workers with the given tids (each on its stack) and resolves once every one has
 * instantiated and set its stack (it then enters wj_worker_loop at once). In browsers a
 * worker that cannot start from a Blob URL is tried again from the served webjax-worker.js.
 */
export async function startWorkers(
  module: WebAssembly.Module,
  memory: WebAssembly.Memory,
  stacks: { tid: number; stackTop: number }[],
  timeoutMs = 20000,
): Promise<PoolWorker[]> {
  const web = !isNode && !("Deno" in globalThis);
  const mapped = web && isServed("webjax-worker.js", true);
  const started = await Promise.allSettled(stacks.map(async ({ tid, stackTop }) => {
    try {
      return await startOne(module, memory, tid, stackTop, mapped, timeoutMs);
    } catch (e) {
      if (!web || mapped) throw e;
      try {
        return await startOne(module, memory, tid, stackTop, true, timeoutMs);
      } catch (e2) {
        throw new Error(`${describeFailure(e)}; from ${workerUrl().href}: ${describeFailure(e2)}. ${CSP_HINT}`);
      }
    }
  }));
  const failed = started.find((r) => r.status === "rejected");
  if (failed) {
    for (const r of started) if (r.status === "fulfilled") r.value.terminate();
    throw (failed as PromiseRejectedResult).reason;
  }
  return started.map((r) => (r as PromiseFulfilledResult<PoolWorker>).value);
}
