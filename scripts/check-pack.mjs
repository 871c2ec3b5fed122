// The package as a user gets it: `npm pack`, installed from the tarball into an empty project
// (no registry needed: webjax has no runtime dependencies), then one program run in Node
// (`import "webjax"`), in Deno with no permission flag (`import "webjax/inline"`), and in
// Chromium from one copied file (dist/webjax.umd.js beside a page opened as file://, no server).
// Prints each entry's size, raw and gzip. Writes its counts to $WEBJAX_PACK_RESULTS.
//   node scripts/check-pack.mjs          (after npm run build)
import { execFileSync, spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { gzipSync } from "node:zlib";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const CHROME = process.env.CHROME_BIN ?? "/usr/bin/chromium";
const DENO = join(ROOT, "node_modules", ".bin", "deno");
const results = [];
function check(name, ok, detail = "") {
  results.push({ name, ok });
  console.log(`  ${ok ? "✓" : "✗ FAIL"} pack > ${name}${detail ? ` (${detail})` : ""}`);
}
const kb = (n) => `${(n / 1024).toFixed(0)} KiB`;

// The program every environment runs: jit(grad) of a small loss, checked against its closed form.
// d/dw sum(tanh(x w)) = x^T (1 - tanh(x w)^2).
const PROGRAM = `
const np = jax.numpy;
const x = np.array([[1, 2], [3, 4], [5, 6]]), w = np.array([0.1, -0.2]);
const g = jax.jit(jax.grad((w, x) => np.tanh(x.matmul(w)).sum()))(w, x).tolistSync();
const xs = [[1, 2], [3, 4], [5, 6]], ws = [0.1, -0.2];
const want = [0, 1].map((j) => xs.reduce((s, r) => s + r[j] * (1 - Math.tanh(r[0] * ws[0] + r[1] * ws[1]) ** 2), 0));
const ok = g.every((v, j) => Math.abs(v - want[j]) < 1e-5);
const rt = jax.getBackend().runtime;
const report = { ok, g, want, backend: jax.defaultBackend(), variant: rt ? rt.variant : null };`;

const work = mkdtempSync(join(tmpdir(), "webjax-pack-"));
try {
  // --- sizes --------------------------------------------------------------------------------
  console.log("entry sizes (raw / gzip -9):");
  for (const f of ["webjax.mjs", "webjax-inline.mjs", "webjax.umd.js", "webjax.d.ts"]) {
    const bytes = readFileSync(join(ROOT, "dist", f));
    console.log(`  dist/${f.padEnd(18)} ${kb(bytes.length).padStart(9)} / ${kb(gzipSync(bytes, { level: 9 }).length).padStart(8)}`);
  }
  for (const f of ["webjax-relaxed-threads.wasm", "webjax-simd-threads.wasm", "webjax-simd.wasm"]) {
    const bytes = readFileSync(join(ROOT, "wasm", f));
    console.log(`  wasm/${f.padEnd(28)} ${kb(bytes.length).padStart(9)} / ${kb(gzipSync(bytes, { level: 9 }).length).padStart(8)}`);
  }

  // --- the tarball, installed into an empty project -----------------------------------------
  const tgzName = execFileSync("npm", ["pack", "--silent", "--pack-destination", work], { cwd: ROOT, encoding: "utf8" }).trim().split("\n").pop();
  const tgz = join(work, tgzName);
  console.log(`  ${tgzName}: ${kb(statSync(tgz).size)} packed`);
  const app = join(work, "app");
  mkdirSync(app);
  writeFileSync(join(app, "package.json"), JSON.stringify({ name: "app", private: true, type: "module" }, null, 2));
  const install = spawnSync("npm", ["install", "--offline", "--no-audit", "--no-fund", tgz], { cwd: app, encoding: "utf8" });
  check("the tarball installs into an empty project, offline (no runtime dependencies)", install.status === 0, install.status === 0 ? "" : install.stderr.trim().split("\n").pop());

  const runProgram = (runtime, file, entry, cmd, args) => {
    writeFileSync(join(app, file), `import * as jax from "${entry}";\n${PROGRAM}\nconsole.log("REPORT " + JSON.stringify(report));\n`);
    const r = spawnSync(cmd, [...args, file], { cwd: app, encoding: "utf8", timeout: 120_000 });
    const line = (r.stdout ?? "").split("\n").find((l) => l.startsWith("REPORT "));
    const report = line ? JSON.parse(line.slice(7)) : null;
    const ok = r.status === 0 && report?.ok && report.backend === "wasm";
    check(`${runtime}: import "${entry}" runs jit(grad) on wasm and gets the closed form`, !!ok,
      report ? `${report.backend}, ${report.variant}; grad [${report.g.map((v) => v.toFixed(5))}]` : `exit ${r.status}: ${(r.stderr || r.stdout).trim().split("\n").slice(-3).join(" | ")}`);
  };
  if (install.status === 0) {
    runProgram("Node", "node.mjs", "webjax", process.execPath, []);
    runProgram("Node", "node-inline.mjs", "webjax/inline", process.execPath, []);
    runProgram("Deno, no permission flag", "deno.mjs", "webjax/inline", DENO, ["run", "--no-prompt"]);
  }

  // --- Chromium: one copied file, opened from disk ------------------------------------------
  const site = join(work, "site");
  mkdirSync(site);
  const umd = join(app, "node_modules", "webjax", "dist", "webjax.umd.js");
  if (existsSync(umd)) copyFileSync(umd, join(site, "webjax.umd.js"));
  writeFileSync(join(site, "index.html"), `<!doctype html><meta charset="utf-8"><script src="webjax.umd.js"></script>
<script>const jax = globalThis.webjax;${PROGRAM}\nwindow.report = report;</script>`);
  if (!existsSync(CHROME)) {
    check("Chromium: one copied webjax.umd.js", false, `${CHROME} is missing: apt-get install -y chromium (or set CHROME_BIN)`);
  } else {
    const { chromium } = await import("playwright-core");
    const browser = await chromium.launch({ executablePath: CHROME, args: ["--no-sandbox", "--disable-background-networking", "--no-first-run"], headless: true });
    try {
      const page = await browser.newPage();
      const errors = [];
      page.on("pageerror", (e) => errors.push(e.message));
      await page.goto(pathToFileURL(join(site, "index.html")).href);
      await page.waitForFunction(() => window.report !== undefined || document.readyState === "complete", null, { timeout: 60_000 });
      const report = await page.evaluate(() => window.report ?? null);
      check("Chromium: one copied webjax.umd.js beside a page opened as file:// runs jit(grad) on wasm", !!(report?.ok && report.backend === "wasm"),
        report ? `${report.backend}, ${report.variant}; grad [${report.g.map((v) => v.toFixed(5))}]` : errors.join("; ") || "no result");
    } finally {
      await browser.close();
    }
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}

const passed = results.filter((r) => r.ok).length;
const failed = results.length - passed;
console.log(`pack: passed=${passed} failed=${failed}`);
if (process.env.WEBJAX_PACK_RESULTS) writeFileSync(process.env.WEBJAX_PACK_RESULTS, JSON.stringify({ passed, failed, skipped: 0, errors: [], ran: true }));
process.exit(failed ? 1 : 0);
