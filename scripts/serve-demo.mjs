// `npm run demo:web`: serves examples/web/ on 127.0.0.1 with COOP/COEP (cross-origin isolated, so
// the wasm thread pool runs), and dist/webjax.umd.js beside it, the one script the page includes.
//   node scripts/serve-demo.mjs [--port=8080] [--no-isolation]
import { existsSync, readFileSync } from "node:fs";
import { createServer } from "node:http";
import { dirname, extname, join, normalize } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const TYPES = { ".html": "text/html; charset=utf-8", ".js": "text/javascript", ".mjs": "text/javascript", ".map": "application/json", ".wasm": "application/wasm", ".png": "image/png", ".css": "text/css" };

/** Starts the server (port 0: any free one); resolves to { url, close() }. */
export function serveDemo({ port = 8080, isolated = true, dir = join(ROOT, "examples", "web") } = {}) {
  const umd = join(ROOT, "dist", "webjax.umd.js");
  if (!existsSync(umd)) throw new Error("dist/webjax.umd.js is missing: run `npm run build` first");
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url, "http://x").pathname);
    const file = path === "/webjax.umd.js" || path === "/webjax.umd.js.map" ? join(ROOT, "dist", path.slice(1)) : join(dir, normalize(path === "/" ? "/index.html" : path));
    if (!file.startsWith(dir) && !file.startsWith(join(ROOT, "dist")) || !existsSync(file)) {
      res.writeHead(404).end("not found");
      return;
    }
    const headers = { "content-type": TYPES[extname(file)] ?? "application/octet-stream", "cache-control": "no-store" };
    if (isolated) Object.assign(headers, { "cross-origin-opener-policy": "same-origin", "cross-origin-embedder-policy": "require-corp" });
    res.writeHead(200, headers).end(readFileSync(file));
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => {
      resolve({ url: `http://127.0.0.1:${server.address().port}/`, close: () => new Promise((r) => server.close(r)) });
    });
  });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const port = Number(process.argv.find((a) => a.startsWith("--port="))?.slice(7) ?? 8080);
  const isolated = !process.argv.includes("--no-isolation");
  const { url } = await serveDemo({ port, isolated });
  console.log(`webjax demo: ${url} (${isolated ? "cross-origin isolated: COOP/COEP sent" : "not isolated"}); Ctrl-C stops it`);
}
