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

// ---- bytes at hand: the inlined build, and synchronous reads for the automatic start ----

let inlined: Partial<Record<WasmFile, string>> | undefined;
const decoded = new Map<WasmFile, Uint8Array>();

/** The inline entry (ts/inline.ts) hands over the variants as base64, decoded on first use. */
export function provideInlineWasm(files: Partial<Record<WasmFile, string>>): void {
  inlined = files;
}

/** A variant's bytes from the inlined build, unless setWasmPaths chose files instead. */
export function inlinedWasm(file: WasmFile): Uint8Array | undefined {
  const b64 = pathOverride === undefined ? inlined?.[file] : undefined;
  if (b64 === undefined) return undefined;
  let bytes = decoded.get(file);
  if (!bytes) decoded.set(file, (bytes = decodeBase64(b64)));
  return bytes;
}

function decodeBase64(b64: string): Uint8Array {
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** A Node built-in module, synchronously (Node >= 20.16), or undefined elsewhere. */
export function nodeBuiltin<T>(name: string): T | undefined {
  if (!isNode) return undefined;
  return (process as { getBuiltinModule?: (id: string) => unknown }).getBuiltinModule?.(name) as T | undefined;
}

/**
 * A variant's bytes now, without awaiting: inlined, or read from disk (Node, Deno) or by a
 * synchronous request (a dedicated worker). Throws why not (browsers' main threads fetch only
 * asynchronously; Deno needs --allow-read for files).
 */
export function wasmBytesSync(file: WasmFile): Uint8Array {
  const inline = inlinedWasm(file);
  if (inline) return inline;
  const url = wasmUrl(file);
  const deno = (globalThis as { Deno?: { readFileSync(u: URL): Uint8Array } }).Deno;
  if (url.protocol === "file:" && deno) {
    try {
      return deno.readFileSync(url);
    } catch (e) {
      throw new Error(`Deno could not read ${url.pathname} (${(e as Error).name}): run with --allow-read, or import "webjax/inline", which carries the wasm inside`);
    }
  }
  if (url.protocol === "file:" && isNode) {
    const fs = nodeBuiltin<typeof import("node:fs")>("node:fs");
    if (!fs) throw new Error(`Node ${process.versions.node} reads files synchronously only from 20.16 on (process.getBuiltinModule)`);
    return fs.readFileSync(url);
  }
  const inWorker = typeof XMLHttpRequest !== "undefined" && typeof document === "undefined";
  if (inWorker) {
    const xhr = new XMLHttpRequest();
    xhr.open("GET", url.href, false);
    xhr.responseType = "arraybuffer";
    xhr.send();
    if (xhr.status !== 200 && xhr.status !== 0) throw new Error(`could not fetch ${url.href} (${xhr.status}); see setWasmPaths()`);
    return new Uint8Array(xhr.response as ArrayBuffer);
  }
  throw new Error(`${url.href} can only be fetched asynchronously on a page's main thread (webjax.umd.js and "webjax/inline" carry the wasm and start at once)`);
}
