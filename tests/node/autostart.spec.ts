// The automatic start (ts/init.ts) and the placement of arrays made before the fast backend was
// up. The runtime starts once per process, so each case is a fresh process (Node, and Deno with
// no permission flag) that prints one JSON line; these specs check it.

import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

function repoRoot(): string {
  let d = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(d, "package.json"))) d = dirname(d);
  return d;
}
const ROOT = repoRoot();
const url = (...p: string[]) => pathToFileURL(join(ROOT, ...p)).href;

interface Run { out: any; stderr: string }

/** Runs `body` (top-level await allowed; `jax`, `np`, `warns`, `infos` and `out` in scope) in a new process. */
function run(runtime: "node" | "deno", entry: string, body: string): Run {
  const dir = mkdtempSync(join(tmpdir(), "webjax-autostart-"));
  const file = join(dir, "case.mjs");
  writeFileSync(file, `import * as jax from ${JSON.stringify(entry)};
const np = jax.numpy, warns = [], infos = [], out = {};
console.warn = (...a) => warns.push(a.join(" "));
console.info = (...a) => infos.push(a.join(" "));
${body}
out.warns = warns; out.infos = infos;
console.log("RESULT " + JSON.stringify(out));
`);
  try {
    // Deno with no permission flag at all: the case must work without reading files.
    const [cmd, args] = runtime === "node" ? ["node", [file]] : [join(ROOT, "node_modules", ".bin", "deno"), ["run", "--no-prompt", file]];
    const r = spawnSync(cmd, args, { encoding: "utf8", timeout: 60_000 });
    const line = (r.stdout ?? "").split("\n").find((l) => l.startsWith("RESULT "));
    if (!line) throw new Error(`${runtime} ${file} printed no result (status ${r.status}):\n${r.stdout}\n${r.stderr}`);
    return { out: JSON.parse(line.slice(7)), stderr: r.stderr };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const built = url("build", "ts", "index.js");

describe("the automatic start (no jax.init)", () => {
  it("Node: the first operation starts the wasm backend synchronously, with no notice; init() then adds the pool", () => {
    const { out } = run("node", built, `
const t0 = performance.now();
const x = np.array([1, 2, 3]);
out.firstMs = performance.now() - t0;
const y = x.mul(2).add(1);
out.backend = jax.defaultBackend();
out.device = String(y.device);
out.values = y.tolistSync();
out.variant = jax.getBackend().runtime.variant;
out.threadsAtFirst = jax.getBackend().runtime.threads;
out.init = await jax.init();
out.threadsAfterInit = jax.getBackend().runtime.threads;
out.again = await jax.init({ relaxedSimd: undefined });
try { await jax.init({ threads: 1 }); out.changed = "resolved"; } catch (e) { out.changed = e.message; }
out.sum = np.sum(np.arange(10)).item();
`);
    expect(out.backend).toBe("wasm");
    expect(out.device).toBe("wasm:0");
    expect(out.values).toEqual([3, 5, 7]);
    expect(out.variant).toBe("simd-threads"); // Node 20: threads, no relaxed SIMD without a flag
    expect(out.threadsAtFirst).toBe(1); // the pool joins when its workers run
    expect(out.init).toEqual(["cpu", "wasm"]);
    expect(out.threadsAfterInit).toBe(Math.min(availableParallelism(), 32));
    expect(out.again).toEqual(["cpu", "wasm"]);
    expect(out.changed).toMatch(/started the wasm backend by itself at the first operation.*cannot change threads now.*before any other webjax call/);
    expect(out.sum).toBe(45);
    expect(out.warns).toEqual([]);
    expect(out.firstMs).toBeLessThan(2000);
  });

  it("Node: where the wasm cannot load by itself, ONE notice names `await jax.init()`, and work runs on cpu", () => {
    const { out } = run("node", built, `
jax.setWasmPaths("/nonexistent-webjax-wasm/");
const a = np.array([1, 2, 3]);
const b = a.mul(2).add(a).sum();
np.ones([2]).add(1);
out.backend = jax.defaultBackend();
out.device = String(b.device);
out.value = b.item();
`);
    expect(out.backend).toBe("cpu");
    expect(out.device).toBe("cpu:0");
    expect(out.value).toBe(18);
    expect(out.warns.length).toBe(1);
    expect(out.warns[0]).toMatch(/cpu reference interpreter.*nonexistent-webjax-wasm.*Call `await jax.init\(\)` before the first operation/);
  });
});

describe("jax.init when the wasm backend cannot load", () => {
  it("rejects with the reason and the fixes; a retry after setWasmPaths starts it", () => {
    const { out } = run("node", built, `
jax.setWasmPaths("/nonexistent-webjax-wasm/");
try { await jax.init(); out.first = "resolved"; } catch (e) { out.first = e.message; }
out.backendAfterReject = jax.defaultBackend();
jax.setWasmPaths(${JSON.stringify(url("wasm") + "/")});
out.retry = await jax.init();
out.backend = jax.defaultBackend();
`);
    expect(out.first).toMatch(/wasm backend could not start: .*nonexistent-webjax-wasm.*setWasmPaths.*webjax\/inline.*allowFallback: true/);
    expect(out.backendAfterReject).toBe("cpu");
    expect(out.retry).toEqual(["cpu", "wasm"]);
    expect(out.backend).toBe("wasm");
    expect(out.warns).toEqual([]); // init came first: no automatic start, no notice
  });

  it("resolves to ['cpu'] with allowFallback: true, saying why once", () => {
    const { out } = run("node", built, `
jax.setWasmPaths("/nonexistent-webjax-wasm/");
out.init = await jax.init({ allowFallback: true });
out.value = np.array([1, 2]).mul(3).tolistSync();
out.backend = jax.defaultBackend();
`);
    expect(out.init).toEqual(["cpu"]);
    expect(out.value).toEqual([3, 6]);
    expect(out.backend).toBe("cpu");
    expect(out.infos.filter((l: string) => /wasm backend is unavailable.*allowFallback/.test(l)).length).toBe(1);
    expect(out.warns).toEqual([]);
  });

  it("takes an already compiled WebAssembly.Module (wasmModule), and rejects anything else by name", () => {
    const { out } = run("node", built, `
const { readFileSync } = await import("node:fs");
const module = new WebAssembly.Module(readFileSync(new URL(${JSON.stringify(url("wasm", "webjax-simd.wasm"))})));
try { jax.init({ wasmModule: new Uint8Array(4) }); } catch (e) { out.bad = e.name + ": " + e.message; }
jax.setWasmPaths("/nonexistent-webjax-wasm/"); // nothing is read from disk
out.init = await jax.init({ wasmModule: module });
out.variant = jax.getBackend().runtime.variant;
out.value = np.array([1, 2]).mul(3).tolistSync();
`);
    expect(out.bad).toMatch(/TypeError: jax.init: wasmModule must be a compiled WebAssembly.Module/);
    expect(out.init).toEqual(["cpu", "wasm"]);
    expect(out.variant).toBe("simd"); // webjax-simd.wasm has unshared memory: single-threaded
    expect(out.value).toEqual([3, 6]);
  });
});

describe("placement of arrays made before jax.init (JAX's rule)", () => {
  it("uncommitted arrays made on cpu move to wasm on first use; committed ones stay, and mixing them is an error naming devicePut", () => {
    const { out } = run("node", built, `
jax.setWasmPaths("/nonexistent-webjax-wasm/");
const a = np.array([1, 2, 3]);                 // uncommitted, on cpu (the notice)
const W = np.array([[1, 2], [3, 4]]);          // a module-level constant
const pinned = jax.devicePut(np.array([10, 20, 30]), "cpu");  // committed
out.before = [String(a.device), String(W.device), String(pinned.device)];
jax.setWasmPaths(${JSON.stringify(url("wasm") + "/")});
await jax.init();
const b = a.mul(2);
out.after = { a: String(a.device), b: String(b.device), values: b.tolistSync() };
const f = jax.jit((x) => x.matmul(W));
const y = f(np.array([[1, 0], [0, 1]]));
out.jit = { W: String(W.device), y: String(y.device), values: y.tolistSync() };
const p = pinned.add(1);
out.committed = { pinned: String(pinned.device), result: String(p.device), values: p.tolistSync() };
const c = pinned.add(a);                        // a is uncommitted: copied to the committed array's device for the call
out.follow = { a: String(a.device), c: String(c.device), values: c.tolistSync() };
try { pinned.add(jax.devicePut(np.array([1, 1, 1]), "wasm")); out.mixed = "ran"; } catch (e) { out.mixed = e.name + ": " + e.message; }
`);
    expect(out.before).toEqual(["cpu:0", "cpu:0", "cpu:0"]);
    expect(out.after).toEqual({ a: "wasm:0", b: "wasm:0", values: [2, 4, 6] });
    expect(out.jit).toEqual({ W: "wasm:0", y: "wasm:0", values: [[1, 2], [3, 4]] });
    expect(out.committed).toEqual({ pinned: "cpu:0", result: "cpu:0", values: [11, 21, 31] });
    expect(out.follow).toEqual({ a: "wasm:0", c: "cpu:0", values: [11, 22, 33] });
    expect(out.mixed).toMatch(/ValueError: .*committed to cpu:0 and another is committed to wasm:0.*jax\.devicePut/);
    expect(out.warns.length).toBe(1);
  });
});

describe("Deno with no permission flag", () => {
  const dist = (f: string) => {
    if (!existsSync(join(ROOT, "dist", f))) throw new Error(`dist/${f} is missing: run npm run build first`);
    return url("dist", f);
  };

  it("webjax/inline starts the relaxed-SIMD wasm from the bytes inside it, at the first operation", () => {
    const { out } = run("deno", dist("webjax-inline.mjs"), `
const y = np.array([1, 2, 3]).mul(2);
out.backend = jax.defaultBackend();
out.variant = jax.getBackend().runtime.variant;
out.values = y.tolistSync();
out.init = await jax.init();
out.threads = jax.getBackend().runtime.threads;
out.after = jax.defaultBackend();
`);
    expect(out.backend).toBe("wasm");
    expect(out.variant).toBe("relaxed-threads");
    expect(out.values).toEqual([2, 4, 6]);
    // The awaited init after the automatic start adds WebGPU where Deno has an adapter (llvmpipe
    // here, never the default: a software adapter).
    expect(out.init.filter((b: string) => b !== "webgpu")).toEqual(["cpu", "wasm"]);
    expect(out.after).toBe("wasm");
    expect(out.threads).toBeGreaterThanOrEqual(2);
    expect(out.warns).toEqual([]);
  });

  it("the file-loading entry says once that it needs --allow-read or webjax/inline, and init() rejects saying so", () => {
    const { out } = run("deno", dist("webjax.mjs"), `
out.values = np.array([1, 2, 3]).mul(2).tolistSync();
out.backend = jax.defaultBackend();
try { await jax.init(); out.init = "resolved"; } catch (e) { out.init = e.message; }
`);
    expect(out.values).toEqual([2, 4, 6]);
    expect(out.backend).toBe("cpu");
    expect(out.warns.length).toBe(1);
    expect(out.warns[0]).toMatch(/--allow-read.*webjax\/inline.*await jax.init\(\)/);
    expect(out.init).toMatch(/could not start.*read access|could not start.*allow-read/);
  });
});
