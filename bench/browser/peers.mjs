// The three libraries on their WebGPU backends, loaded in the bench page: webjax from the
// built bundle (/dist/webjax.mjs, its wasm files from /wasm/), jax-js and TensorFlow.js
// through the page's import map (bench/browser/index.html). The same rows as Node's and
// Deno's WebGPU pass (bench/peers.mjs): `impl` names the case implementation, `enter()`
// makes WebGPU the library's default.
import { gpuAdapterInfo } from "../harness.mjs";

const VERSIONS = await fetch("/versions.json").then((r) => (r.ok ? r.json() : {})).catch(() => ({}));

async function webjax(on) {
  const jax = await import("/dist/webjax.mjs");
  const backends = await jax.init();
  if (!backends.includes("webgpu")) throw new Error(`init() gave no webgpu backend (${backends})`);
  const backend = jax.getBackend("webgpu");
  return {
    name: "webjax (webgpu)", impl: "webjax", gpu: true, version: VERSIONS.webjax ?? "?", info: `webgpu, ${on}`, jax, np: jax.numpy,
    enter: () => jax.setDefaultBackend("webgpu"),
    stats: backend.stats ? () => ({ ...backend.stats }) : undefined,
  };
}

async function jaxJs(on) {
  const jax = await import("@jax-js/jax");
  const devices = await jax.init("webgpu");
  if (!devices.includes("webgpu")) throw new Error(`init("webgpu") gave ${devices}`);
  return { name: "jax-js (webgpu)", impl: "jax-js", gpu: true, version: VERSIONS["jax-js"] ?? "?", info: `webgpu, ${on}`, jax, np: jax.numpy, enter: () => jax.defaultDevice("webgpu") };
}

async function tfjs(on) {
  const tf = await import("@tensorflow/tfjs-core");
  // Gradients (the MLP's SGD step): what the @tensorflow/tfjs union package registers on import.
  await import("/build/bench/tfjs-gradients.mjs");
  await import("@tensorflow/tfjs-backend-webgpu");
  tf.env().set("PROD", true);
  if (!(await tf.setBackend("webgpu"))) throw new Error("setBackend('webgpu') failed");
  await tf.ready();
  return { name: "tfjs (webgpu)", impl: "tfjs", gpu: true, version: VERSIONS["tfjs-backend-webgpu"] ?? "?", info: `webgpu, ${on}`, tf, enter: () => tf.setBackend("webgpu") };
}

const loaders = { webjax, "jax-js": jaxJs, tfjs };

/** Loads the named libraries on WebGPU; returns { libs, failures } (a failure carries its reason). */
export async function loadGpuLibraries(names) {
  const adapter = await gpuAdapterInfo();
  const on = adapter ? `${adapter.description}${adapter.fallback ? " (software)" : ""}` : "";
  const libs = [];
  const failures = [];
  for (const name of names) {
    try {
      libs.push(await loaders[name](on));
    } catch (e) {
      failures.push({ name: `${name} (webgpu)`, error: String(e?.message ?? e).split("\n")[0] });
    }
  }
  return { libs, failures };
}
