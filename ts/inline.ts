// `webjax/inline` (dist/webjax-inline.mjs) and the UMD build (dist/webjax.umd.js): the same
// library with the wasm variants inside, as base64, so nothing is fetched or read from disk.
// Deno without --allow-read, service workers, edge runtimes that allow compiling bytes and a
// single copied <script> file all start the wasm backend from these bytes, synchronously at the
// first operation. Rollup fills in the virtual module (rollup.config.mjs).

import variants from "webjax:inline-wasm";
import { provideInlineWasm } from "./backends/wasm/locate.js";

provideInlineWasm(variants);

export * from "./index.js";
