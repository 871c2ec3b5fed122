// webjax wasm pool worker (generated from ts/backends/wasm/workers.ts)
"use strict";
const post = (m) => self.postMessage(m);
const onStart = (f) => { self.onmessage = (e) => { self.onmessage = null; f(e.data); }; };
const die = () => self.close();
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
});
