// `npm run bench:browser`: the bench's WebGPU pass in headless Chromium (webjax, jax-js and
// tfjs-backend-webgpu on the browser's adapter). Serves the checkout on 127.0.0.1 (cross-origin
// isolated, as the tests' karma page), opens bench/browser/index.html and prints what the
// page prints; the exit status is the page's.
//
//   node bench/browser.mjs [case ...] [--quick] [--libs=...] [--reps=N] [--matmul=N,...] [--require-hardware]
//                          [--json=FILE] [--adapter=swiftshader|default] [--chrome-flags="..."] [--timeout=SECONDS] [--serve]
//
// --adapter=swiftshader (the default here) asks Chromium for its software adapter, the one CI
// machines have; --adapter=default takes the browser's own choice (a GPU where its driver
// works; on Linux Chromium may also need --chrome-flags=--enable-features=Vulkan). --serve
// only serves the page and prints its URL, for a browser of your own. CHROME_BIN names the
// browser (default /usr/bin/chromium).
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";

import { buildTfjsGradients } from "./tfjs_gradients.mjs";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
// Only what the page loads is served.
const SERVED = ["bench/", "dist/", "wasm/", "node_modules/@jax-js/", "node_modules/@tensorflow/", "build/bench/"];
const MIME = { ".html": "text/html", ".mjs": "text/javascript", ".js": "text/javascript", ".json": "application/json", ".wasm": "application/wasm", ".map": "application/json" };
const SWIFTSHADER = ["--use-webgpu-adapter=swiftshader"];
// The flags karma.conf.cjs gives the tests' Chromium, less the adapter.
const CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--enable-unsafe-webgpu", "--disable-background-networking", "--disable-component-update", "--no-first-run", "--disable-sync", "--disable-quic"];

function parse(argv) {
  const opts = { page: [], json: null, adapter: "swiftshader", chromeFlags: [], timeout: 1200, serve: false };
  for (const a of argv) {
    if (a.startsWith("--json=")) opts.json = a.slice(7);
    else if (a.startsWith("--adapter=")) opts.adapter = a.slice(10);
    else if (a.startsWith("--chrome-flags=")) opts.chromeFlags = a.slice(15).split(/\s+/).filter(Boolean);
    else if (a.startsWith("--timeout=")) opts.timeout = Number(a.slice(10));
    else if (a === "--serve") opts.serve = true;
    else opts.page.push(a); // the page checks these (bench/runner.mjs parseArgs)
  }
  if (!["swiftshader", "default"].includes(opts.adapter)) throw new Error(`--adapter=${opts.adapter}: swiftshader or default`);
  return opts;
}

const version = (file) => {
  try {
    return JSON.parse(readFileSync(path.join(ROOT, file), "utf8")).version;
  } catch {
    return "?";
  }
};

function serve(onLog, onDone) {
  const versions = JSON.stringify({
    webjax: version("package.json"),
    "jax-js": version("node_modules/@jax-js/jax/package.json"),
    "tfjs-backend-webgpu": version("node_modules/@tensorflow/tfjs-backend-webgpu/package.json"),
  });
  const server = createServer((req, res) => {
    // Without these the page is not cross-origin isolated (no SharedArrayBuffer, no wasm threads).
    res.setHeader("Cross-Origin-Opener-Policy", "same-origin");
    res.setHeader("Cross-Origin-Embedder-Policy", "require-corp");
    res.setHeader("Cache-Control", "no-store");
    const url = new URL(req.url, "http://localhost");
    if (req.method === "POST") {
      let body = "";
      req.on("data", (c) => (body += c));
      req.on("end", () => {
        res.end();
        if (url.pathname === "/log") onLog(body);
        else if (url.pathname === "/done") onDone(JSON.parse(body));
      });
      return;
    }
    if (url.pathname === "/versions.json") return res.setHeader("Content-Type", MIME[".json"]), res.end(versions);
    const rel = path.posix.normalize(decodeURIComponent(url.pathname)).replace(/^\/+/, "");
    const file = path.join(ROOT, rel);
    let ok = SERVED.some((p) => rel.startsWith(p)) && !rel.includes("..");
    try {
      ok &&= statSync(file).isFile();
    } catch {
      ok = false;
    }
    if (!ok) return (res.statusCode = 404), res.end(`not served: ${rel}`);
    res.setHeader("Content-Type", MIME[path.extname(file)] ?? "application/octet-stream");
    res.end(readFileSync(file));
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

async function main() {
  const opts = parse(process.argv.slice(2));
  try {
    statSync(path.join(ROOT, "dist/webjax.mjs"));
  } catch {
    console.error("bench:browser: dist/webjax.mjs is missing: build it first (npm run build)");
    return 1;
  }
  await buildTfjsGradients();
  let finish;
  const done = new Promise((resolve) => (finish = resolve));
  const server = await serve((text) => process.stdout.write(text), finish);
  const url = `http://127.0.0.1:${server.address().port}/bench/browser/index.html?args=${encodeURIComponent(JSON.stringify(opts.page))}`;
  if (opts.serve) {
    console.log(`bench:browser: serving ${url} (Ctrl-C ends)`);
    const result = await done;
    server.close();
    return result.code;
  }
  const chrome = process.env.CHROME_BIN || "/usr/bin/chromium";
  const profile = mkdtempSync(path.join(tmpdir(), "webjax-bench-"));
  const flags = [...CHROMIUM_FLAGS, ...(opts.adapter === "swiftshader" ? SWIFTSHADER : []), ...opts.chromeFlags, `--user-data-dir=${profile}`, url];
  const browser = spawn(chrome, flags, { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  browser.stderr.on("data", (c) => (stderr = (stderr + c).slice(-4000)));
  const exited = new Promise((resolve) => browser.on("exit", (code, signal) => resolve({ exited: true, code, signal })));
  browser.on("error", (e) => finish({ code: 1, error: `${chrome} did not start (${e.message}): set CHROME_BIN` }));
  let timer;
  const timeout = new Promise((resolve) => (timer = setTimeout(() => resolve({ code: 1, error: `no result after ${opts.timeout} s (--timeout)` }), opts.timeout * 1000)));
  const result = await Promise.race([done, exited, timeout]);
  clearTimeout(timer);
  if (result.exited) result.error = `Chromium exited (${result.signal ?? result.code}) before the page finished:\n${stderr}`;
  if (browser.exitCode === null && browser.signalCode === null) {
    browser.kill();
    await exited; // the profile is in use until Chromium is gone
  }
  server.close();
  // Chromium's helper processes may still write into the profile for a moment after it exited.
  try {
    rmSync(profile, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 });
  } catch (e) {
    console.log(`bench:browser: left the temporary profile ${profile} behind (${e.code}: still in use)`);
  }
  if (result.error) console.log(`bench:browser: ${result.error}`);
  if (opts.json && result.json) writeFileSync(opts.json, JSON.stringify(result.json, null, 2));
  return result.code ?? 1;
}

process.exitCode = await main().catch((e) => (console.error(String(e?.stack ?? e)), 1));
