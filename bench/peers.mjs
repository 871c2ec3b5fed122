// Loads the three libraries the bench compares, each on its wasm backend, in this process:
// webjax from the built bundle (dist/webjax.mjs, what users get), jax-js (@jax-js/jax) and
// TensorFlow.js (@tensorflow/tfjs-core + @tensorflow/tfjs-backend-wasm). A library that
// does not load is reported with the reason; the cases run without it.
import { readFileSync } from "node:fs";
import process from "node:process";
import { fileURLToPath, pathToFileURL } from "node:url";

import { gpuAdapterInfo } from "./harness.mjs";
import { LIBRARIES } from "./runner.mjs";
import { registerTfjsGradients } from "./tfjs_gradients.mjs";

const root = new URL("../", import.meta.url);

function versionOf(packageJson) {
  try {
    return JSON.parse(readFileSync(new URL(packageJson, root), "utf8")).version;
  } catch {
    return "?";
  }
}

async function loadWebjax(dist = new URL("dist/", root)) {
  const jax = await import(new URL("webjax.mjs", dist).href);
  const backends = await jax.init();
  if (!backends.includes("wasm")) throw new Error(`init() gave no wasm backend (${backends})`);
  jax.setDefaultBackend("wasm");
  // runtime and stats are the backend's internals: read defensively, they are only notes.
  const backend = jax.getBackend("wasm");
  const rt = backend.runtime ?? {};
  return {
    name: "webjax",
    version: versionOf("package.json"),
    info: `${rt.variant ?? "wasm"}, ${rt.threads ?? "?"} threads`,
    jax,
    np: jax.numpy,
    /** Programs run and host calls made so far (primitives without a C++ kernel run on the host). */
    stats: backend.stats ? () => ({ ...backend.stats }) : undefined,
  };
}

async function loadJaxJs() {
  const jax = await import("@jax-js/jax");
  // init() with no argument also probes WebGPU, which throws in Node 20 (no `navigator`).
  const devices = await jax.init("wasm");
  if (!devices.includes("wasm")) throw new Error(`init("wasm") gave ${devices}`);
  jax.defaultDevice("wasm");
  // jax-js runs a worker pool only where both SharedArrayBuffer and a global Worker exist.
  const pooled = typeof SharedArrayBuffer !== "undefined" && typeof Worker !== "undefined";
  const threads = pooled ? Math.max(1, globalThis.navigator?.hardwareConcurrency || 4) : 1;
  return { name: "jax-js", version: versionOf("node_modules/@jax-js/jax/package.json"), info: `wasm, ${threads} thread${threads > 1 ? "s" : ""}`, jax, np: jax.numpy };
}

async function loadTfjs() {
  const tf = await import("@tensorflow/tfjs-core");
  await registerTfjsGradients(); // what the @tensorflow/tfjs union package does on import
  const wasm = await import("@tensorflow/tfjs-backend-wasm");
  tf.env().set("PROD", true);
  wasm.setWasmPaths(fileURLToPath(new URL("node_modules/@tensorflow/tfjs-backend-wasm/dist/", root)));
  if (!(await tf.setBackend("wasm"))) throw new Error("setBackend('wasm') failed");
  await tf.ready();
  const simd = await tf.env().getAsync("WASM_HAS_SIMD_SUPPORT");
  const threads = wasm.getThreadsCount();
  // tfjs turns wasm threads off whenever it sees `process.versions.node` (tfjs#3830), Deno included.
  const why = threads === 1 && tf.env().get("IS_NODE") ? " (tfjs turns threads off where it detects Node)" : "";
  return { name: "tfjs", version: versionOf("node_modules/@tensorflow/tfjs-backend-wasm/package.json"), info: `wasm${simd ? " simd" : ""}, ${threads} thread${threads > 1 ? "s" : ""}${why}`, tf };
}

const loaders = { webjax: loadWebjax, "jax-js": loadJaxJs, tfjs: loadTfjs };

/**
 * Loads the named libraries in order; returns { libs, failures }. webjax brings two more rows
 * that run its cases (`kind: "webjax"`): "webjax (no dispose)", the loop a new user writes,
 * never disposing results, in the cases that mark `noDispose`; and with `baseline` (another
 * build's dist/ folder) "webjax (baseline)", that build beside this one in the same process.
 */
export async function loadLibraries(names = LIBRARIES, { baseline } = {}) {
  const libs = [];
  const failures = [];
  for (const name of names) {
    try {
      const lib = await loaders[name]();
      libs.push(lib);
      if (name !== "webjax") continue;
      libs.push({ ...lib, name: "webjax (no dispose)", kind: "webjax", noDispose: true });
      if (baseline) {
        const dir = new URL(baseline.endsWith("/") ? baseline : `${baseline}/`, pathToFileURL(`${process.cwd()}/`));
        try {
          const base = await loadWebjax(dir);
          libs.push({ ...base, name: "webjax (baseline)", kind: "webjax", info: `${base.info}, ${fileURLToPath(dir)}` });
        } catch (e) {
          failures.push({ name: "webjax (baseline)", error: String(e?.message ?? e).split("\n")[0] });
        }
      }
    } catch (e) {
      failures.push({ name, error: String(e?.message ?? e).split("\n")[0] });
    }
  }
  return { libs, failures };
}

/**
 * The same three libraries on their WebGPU backends, on the adapter this runtime gives (each
 * opens its own device on it): webjax's webgpu backend, jax-js's "webgpu" device and
 * @tensorflow/tfjs-backend-webgpu. `loaded` are the wasm pass's libraries (their modules are
 * reused). Each gets `impl` (which case implementation it runs) and `enter()`, which makes
 * WebGPU the library's default for the arrays a case creates.
 */
export async function loadGpuLibraries(names, loaded) {
  const libs = [];
  const failures = [];
  const adapter = await gpuAdapterInfo();
  const on = adapter ? `${adapter.description}${adapter.fallback ? " (software)" : ""}` : "";
  const byName = new Map(loaded.map((l) => [l.name, l]));
  const loaders = {
    async webjax() {
      const base = byName.get("webjax") ?? (await loadWebjax());
      const { jax } = base;
      if (!jax.getBackend("webgpu")) throw new Error("init() started no webgpu backend");
      const backend = jax.getBackend("webgpu");
      return { ...base, name: "webjax (webgpu)", impl: "webjax", gpu: true, info: `webgpu, ${on}`, enter: () => jax.setDefaultBackend("webgpu"), stats: () => ({ ...backend.stats }) };
    },
    async "jax-js"() {
      const base = byName.get("jax-js") ?? (await loadJaxJs());
      const devices = await base.jax.init("webgpu");
      if (!devices.includes("webgpu")) throw new Error(`init("webgpu") gave ${devices}`);
      return { ...base, name: "jax-js (webgpu)", impl: "jax-js", gpu: true, info: `webgpu, ${on}`, enter: () => base.jax.defaultDevice("webgpu") };
    },
    async tfjs() {
      const base = byName.get("tfjs") ?? (await loadTfjs());
      await import("@tensorflow/tfjs-backend-webgpu");
      if (!(await base.tf.setBackend("webgpu"))) throw new Error("setBackend('webgpu') failed");
      await base.tf.ready();
      return { ...base, name: "tfjs (webgpu)", impl: "tfjs", gpu: true, version: versionOf("node_modules/@tensorflow/tfjs-backend-webgpu/package.json"), info: `webgpu, ${on}`, enter: () => base.tf.setBackend("webgpu") };
    },
  };
  for (const name of names) {
    try {
      libs.push(await loaders[name]());
    } catch (e) {
      failures.push({ name: `${name} (webgpu)`, error: String(e?.message ?? e).split("\n")[0] });
    }
  }
  return { libs, failures, adapter };
}
