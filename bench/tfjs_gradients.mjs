// TensorFlow.js users get gradients from the @tensorflow/tfjs union package, which imports
// tfjs-core's register_all_gradients. tfjs-core alone registers none, and that file's ESM
// build uses extensionless imports that Node and Deno cannot resolve, so the bench bundles
// it once with rollup (a devDependency) into build/bench/. The bundle carries its own copy
// of the ops the gradients call; tfjs keeps its engine and registries on globalThis, so
// both copies share one engine and the wasm kernels.
import { existsSync, mkdirSync, statSync } from "node:fs";
import { fileURLToPath } from "node:url";

const root = new URL("../", import.meta.url);
const source = new URL("node_modules/@tensorflow/tfjs-core/dist/register_all_gradients.js", root);
const bundle = new URL("build/bench/tfjs-gradients.mjs", root);

async function build() {
  const { rollup } = await import("rollup");
  const { nodeResolve } = await import("@rollup/plugin-node-resolve");
  const b = await rollup({
    input: fileURLToPath(source),
    plugins: [nodeResolve()],
    // Bare package imports (seedrandom, long) stay imports; only tfjs-core's own files are bundled.
    external: (id) => !id.startsWith(".") && !id.startsWith("/") && !id.startsWith("\0"),
    onwarn: (w, warn) => (w.code === "CIRCULAR_DEPENDENCY" ? undefined : warn(w)),
  });
  mkdirSync(new URL(".", bundle), { recursive: true });
  await b.write({ file: fileURLToPath(bundle), format: "es" });
  await b.close();
}

/** Builds build/bench/tfjs-gradients.mjs unless it is newer than tfjs-core's file (the browser page loads it too). */
export async function buildTfjsGradients() {
  const stale = !existsSync(bundle) || statSync(bundle).mtimeMs < statSync(source).mtimeMs;
  if (stale) await build();
  return bundle;
}

/** Registers every tfjs-core gradient with the running tfjs engine (builds the bundle if needed). */
export async function registerTfjsGradients() {
  await import((await buildTfjsGradients()).href);
}
