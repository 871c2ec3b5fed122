// The worker side of the thread pool: N-1 workers, each instantiating the core
// module over the shared memory and parking in wj_worker_loop (C++, blocking on
// memory.atomic.wait32). Node and Deno use node:worker_threads (Deno's Web
// Workers cannot be unref'd, so a parked one would keep Deno from exiting);
// browsers use classic Web Workers from a Blob URL. The worker body is a tiny
// inline script, so no worker file has to be located or served.

import { isNode } from "./locate.js";

interface StartMessage {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  tid: number;
  stackTop: number;
}

// `post` and `onStart` are bound per platform by the prelude below.
const WORKER_BODY = `
onStart(async (d) => {
  try {
    // Workers only run kernel slices; host callbacks happen on the calling thread.
    const instance = await WebAssembly.instantiate(d.module, { env: { memory: d.memory, wj_host: () => { throw new Error("wj_host on a worker"); } } });
    instance.exports.wj_set_stack(d.stackTop);
    post("ready");
    instance.exports.wj_worker_loop(d.tid);
  } catch (e) {
    post("error: " + (e && e.message || e));
  }
});`;

const NODE_PRELUDE = `
const { parentPort } = require("node:worker_threads");
const post = (m) => parentPort.postMessage(m);
const onStart = (f) => parentPort.once("message", f);`;

const WEB_PRELUDE = `
const post = (m) => self.postMessage(m);
const onStart = (f) => { self.onmessage = (e) => { self.onmessage = null; f(e.data); }; };`;

export interface PoolWorker {
  terminate(): void;
}

type Listener = (message: unknown) => void;

async function spawn(onMessage: Listener, onError: (e: unknown) => void): Promise<{
  post(m: StartMessage): void;
  terminate(): void;
}> {
  if (isNode || "Deno" in globalThis) {
    const { Worker } = await import("node:worker_threads");
    const w = new Worker(NODE_PRELUDE + WORKER_BODY, { eval: true });
    w.on("message", onMessage);
    w.on("error", onError);
    // A parked worker must not keep the process alive. unref() comes after on():
    // adding a "message" listener refs the worker's port again.
    w.unref();
    return { post: (m) => w.postMessage(m), terminate: () => void w.terminate() };
  }
  const url = URL.createObjectURL(new Blob([WEB_PRELUDE + WORKER_BODY], { type: "text/javascript" }));
  const w = new Worker(url);
  URL.revokeObjectURL(url);
  w.onmessage = (e) => onMessage(e.data);
  w.onerror = (e) => onError(e);
  return { post: (m) => w.postMessage(m), terminate: () => w.terminate() };
}

/**
 * Starts workers with tids 1..stackTops.length and resolves once every one has
 * instantiated and set its stack (it then enters wj_worker_loop at once).
 */
export async function startWorkers(
  module: WebAssembly.Module,
  memory: WebAssembly.Memory,
  stackTops: number[],
  timeoutMs = 20000,
): Promise<PoolWorker[]> {
  const workers: PoolWorker[] = [];
  const ready = stackTops.map(async (stackTop, i) => {
    const tid = i + 1;
    let settle!: (error?: unknown) => void;
    const started = new Promise<void>((resolve, reject) => {
      settle = (error) => (error === undefined ? resolve() : reject(error));
    });
    const w = await spawn(
      (m) => settle(m === "ready" ? undefined : new Error(`webjax worker ${tid}: ${String(m)}`)),
      (e) => settle(e ?? new Error(`webjax worker ${tid} failed`)),
    );
    workers.push(w);
    w.post({ module, memory, tid, stackTop });
    return started;
  });
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error("webjax: workers did not start in time")), timeoutMs);
  });
  try {
    await Promise.race([Promise.all(ready), timeout]);
  } catch (e) {
    for (const w of workers) w.terminate();
    throw e;
  } finally {
    clearTimeout(timer);
  }
  return workers;
}
