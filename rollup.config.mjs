// Bundles the tsc output (build/ts, from `npm run build:ts`) into dist/:
//   webjax.mjs         ESM for Node, Deno and bundlers; loads wasm/*.wasm (setWasmPaths)
//   webjax-inline.mjs  ESM with the wasm variants inside (`webjax/inline`): no files, no permissions
//   webjax.umd.js      UMD for a plain <script> (global `webjax`) and require(), wasm inside too
//   webjax.d.ts        the public types in one file
// Node-only modules (node:fs, node:worker_threads, ...) are reached only through dynamic
// imports behind environment checks, so they stay external and are never loaded in a
// browser. npm dependencies are bundled in, so dist/ needs no resolver.
import { readFileSync } from "node:fs";
import { nodeResolve } from "@rollup/plugin-node-resolve";
import { dts } from "rollup-plugin-dts";

const external = (id) => id.startsWith("node:");
const banner = "/*! webjax | Apache-2.0 */";

// The package is "type": "module", so Node would load a .js file in dist/ as ESM;
// this marker makes require("webjax") (the "default" export) get the UMD as CommonJS.
const commonjsMarker = {
  name: "dist-commonjs-marker",
  generateBundle() {
    this.emitFile({ type: "asset", fileName: "package.json", source: '{ "type": "commonjs" }\n' });
  },
};

// The public types compile in any consumer: under `tsc --strict --lib es2022` (Symbol.dispose
// comes from the esnext.disposable lib the header references; WebAssembly.Module, which only
// lib.dom declares, is declared empty, and merges with lib.dom's where a consumer has it) and
// under tsc's defaults, whose ES5 target rejects `#private` members (they only make classes
// nominal, so they go).
const dtsForConsumers = {
  name: "dts-for-consumers",
  renderChunk(code) {
    const header = '/// <reference lib="es2022" />\n/// <reference lib="esnext.disposable" />\n';
    const wasm = "declare global {\n    namespace WebAssembly {\n        interface Module {}\n    }\n}\n";
    return { code: header + code.replace(/^\s*#private;\n/gm, "") + "\n" + wasm, map: null };
  },
};

// ts/inline.ts imports "webjax:inline-wasm": every variant in wasm/, as base64 strings.
const INLINE_ID = "webjax:inline-wasm";
const WASM_FILES = ["webjax-relaxed-threads.wasm", "webjax-simd-threads.wasm", "webjax-simd.wasm"];
const inlineWasm = {
  name: "inline-wasm",
  resolveId: (id) => (id === INLINE_ID ? "\0" + INLINE_ID : null),
  load(id) {
    if (id !== "\0" + INLINE_ID) return null;
    const entries = WASM_FILES.map((f) => {
      const path = new URL(`./wasm/${f}`, import.meta.url);
      this.addWatchFile(path.pathname);
      return `  ${JSON.stringify(f)}: ${JSON.stringify(readFileSync(path).toString("base64"))},`;
    });
    return `export default {\n${entries.join("\n")}\n};\n`;
  },
};

function onwarn(warning, warn) {
  if (warning.code === "CIRCULAR_DEPENDENCY") return;
  warn(warning);
}

export default [
  {
    input: "build/ts/index.js",
    external,
    onwarn,
    plugins: [nodeResolve()],
    output: { file: "dist/webjax.mjs", format: "es", banner, sourcemap: true, inlineDynamicImports: true },
  },
  {
    input: "build/ts/inline.js",
    external,
    onwarn,
    plugins: [inlineWasm, nodeResolve()],
    output: [
      { file: "dist/webjax-inline.mjs", format: "es", banner, sourcemap: true, inlineDynamicImports: true },
      {
        file: "dist/webjax.umd.js",
        format: "umd",
        name: "webjax",
        banner,
        sourcemap: true,
        // One file: dynamic imports of our own modules are inlined, node:* ones stay
        // `import("node:...")`, which a classic script may contain and never runs in a browser.
        inlineDynamicImports: true,
        plugins: [commonjsMarker],
      },
    ],
  },
  {
    input: "build/ts/index.d.ts",
    external,
    plugins: [dts(), dtsForConsumers],
    output: { file: "dist/webjax.d.ts", format: "es" },
  },
];
