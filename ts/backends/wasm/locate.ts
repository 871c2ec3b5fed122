// Where the .wasm files come from, and reading their bytes on every platform.
//
// The package ships wasm/ at its root, next to dist/. This module runs from two
// layouts, told apart by its own URL (no trial fetches):
//   tsc output   build/ts/backends/wasm/locate.js  ->  ../../../../wasm/
//   a bundle     dist/webjax.mjs, dist/webjax.umd.js ->  ../wasm/
// In UMD/IIFE output rollup rewrites import.meta.url to the <script>'s
// document.currentScript.src captured at load. Anything else (a bundle served
// from elsewhere, karma, a CDN) calls setWasmPaths first.

export type WasmFile = "webjax-relaxed-threads.wasm" | "webjax-simd-threads.wasm" | "webjax-simd.wasm";
/** Every file setWasmPaths may place: the wasm variants and the pool's worker script. */
export type ServedFile = WasmFile | "webjax-worker.js";

let pathOverride: string | Record<string, string> | undefined;

/**
 * Overrides where the .wasm files are fetched from, like tfjs's setWasmPaths:
 * either a prefix (a directory URL or path ending in "/") or a map from file
 * name ("webjax-relaxed-threads.wasm", "webjax-simd-threads.wasm",
 * "webjax-simd.wasm", "webjax-worker.js") to its URL; a map without the relaxed file
 * means it is not served, and the loader uses webjax-simd-threads.wasm instead. Browsers
 * start the pool's workers from a Blob URL unless the map names "webjax-worker.js" (for
 * pages whose Content-Security-Policy forbids blob: workers); when a Blob URL is refused
 * they try webjax-worker.js beside the wasm files. Call it before the first loadWasmRuntime().
 */
export function setWasmPaths(prefixOrMap: string | Record<string, string>): void {
  pathOverride = prefixOrMap;
}

function defaultBase(): URL {
  const here = import.meta.url;
  const tscLayout = /\/ts\/backends\/wasm\/[^/]+\.js(\?.*)?$/.test(here);
  return new URL(tscLayout ? "../../../../wasm/" : "../wasm/", here);
}

function baseForRelative(): string {
  if (typeof document !== "undefined" && document.baseURI) return document.baseURI;
  if (typeof location !== "undefined" && location.href) return location.href;
  return import.meta.url;
}

/** False only when setWasmPaths gave a map that leaves this file out; `explicit`: only when a map names it. */
export function isServed(file: ServedFile, explicit = false): boolean {
  return typeof pathOverride !== "object" ? !explicit : file in pathOverride;
}

/** Where the served worker script is (the map's entry, or beside the wasm files). */
export const workerUrl = (): URL => wasmUrl("webjax-worker.js");

export function wasmUrl(file: ServedFile): URL {
  if (typeof pathOverride === "string") return new URL(file, new URL(pathOverride, baseForRelative()));
  if (pathOverride && pathOverride[file]) return new URL(pathOverride[file], baseForRelative());
  return new URL(file, defaultBase());
}

const isNode =
  typeof process !== "undefined" && !!process.versions?.node && !("Deno" in globalThis);

export async function readWasmBytes(url: URL): Promise<ArrayBuffer> {
  if (url.protocol === "file:" && isNode) {
    // Node 20's fetch does not read file: URLs.
    const fs = await import("node:fs/promises");
    const bytes = await fs.readFile(url);
    return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  }
  const response = await fetch(url);
  if (!response.ok) {
    throw new Error(`webjax: could not fetch ${url.href} (${response.status}); see setWasmPaths()`);
  }
  return response.arrayBuffer();
}

export { isNode };
