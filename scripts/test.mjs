// `npm test`: build everything, run the specs in Node (jasmine), headless Chromium
// (karma) and Deno (smoke), then the isolated specs (tests/isolated/*.mjs, each in its own
// process under a time limit), and end with one line `TOTAL: N passed, N failed`.
// An environment that did not run counts as one failure. Exit status is non-zero on any
// failure. Flags: --build-only (stop after building), --no-wasm-build (use wasm/ as is),
// --isolated-only (build, then only the isolated specs).
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { checkSystemPackages, report } from "./system-packages.mjs";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const BUILD = join(ROOT, "build");
const args = new Set(process.argv.slice(2));
const scripts = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")).scripts;
const steps = []; // { name, seconds, ok, counts? }

function run(cmd, cmdArgs, env = {}) {
  const t0 = performance.now();
  const r = spawnSync(cmd, cmdArgs, { cwd: ROOT, stdio: "inherit", env: { ...process.env, ...env } });
  return { ok: r.status === 0, seconds: (performance.now() - t0) / 1000, status: r.status ?? r.signal };
}

function banner(text) {
  console.log(`\n=== ${text} ===`);
}

function finish() {
  console.log("\n=== summary ===");
  for (const line of packageReport) console.log(line);
  let passed = 0;
  let failed = 0;
  for (const s of steps) {
    const c = s.counts;
    const what = c ? `passed=${c.passed} failed=${c.failed} skipped=${c.skipped}` : "";
    console.log(`${s.name.padEnd(28)} ${s.ok ? "ok  " : "FAIL"} ${what.padEnd(34)} ${s.seconds.toFixed(1)} s${s.note ? `  ${s.note}` : ""}`);
    if (c) {
      passed += c.passed;
      failed += c.failed;
    }
    if (!s.ok && (!c || c.failed === 0)) failed += 1; // a build error or an environment that did not run
  }
  console.log(`TOTAL: ${passed} passed, ${failed} failed`);
  process.exit(failed === 0 ? 0 : 1);
}

function build(name, cmd, cmdArgs) {
  banner(name);
  const r = run(cmd, cmdArgs);
  steps.push({ name, ok: r.ok, seconds: r.seconds });
  if (!r.ok) {
    console.log(`${name} failed (exit ${r.status}); not running the tests`);
    finish();
  }
}

function hasEmcc() {
  return spawnSync("emcc", ["--version"], { stdio: "ignore" }).status === 0;
}

/** Runs one test environment that writes its counts to a JSON file. */
function testEnv(name, cmd, cmdArgs, resultsVar, env = {}) {
  banner(name);
  const file = join(BUILD, `results-${name}.json`);
  rmSync(file, { force: true });
  const r = run(cmd, cmdArgs, { ...env, [resultsVar]: file });
  let counts = null;
  if (existsSync(file)) {
    const j = JSON.parse(readFileSync(file, "utf8"));
    if (j.ran) counts = { passed: j.passed, failed: j.failed + j.errors.length, skipped: j.skipped };
  }
  const ran = counts !== null && counts.passed + counts.failed > 0;
  const note = !ran ? "did not run (no results)" : r.ok ? "" : `exit ${r.status}`;
  steps.push({ name, ok: r.ok && ran && counts.failed === 0, seconds: r.seconds, counts, note });
}

// --- system packages ---------------------------------------------------------------
// Named before anything runs, with the exact install line, so a missing one is never a riddle.
const packages = checkSystemPackages();
const packageReport = report(packages);
if (packageReport.length) {
  banner("system packages");
  for (const line of packageReport) console.log(line);
}
const hasChromium = !packages.required.some((p) => p.name === "chromium");

// --- build -------------------------------------------------------------------------
const wasmDir = join(ROOT, "wasm");
const committedWasm = existsSync(wasmDir) ? readdirSync(wasmDir).filter((f) => f.endsWith(".wasm")) : [];
if (args.has("--no-wasm-build")) {
  console.log(`wasm: --no-wasm-build, using wasm/ as is (${committedWasm.join(", ") || "EMPTY"})`);
} else if (!scripts["build:wasm"]) {
  console.log(`wasm: package.json has no build:wasm script; using wasm/ as is (${committedWasm.join(", ") || "EMPTY"})`);
} else if (hasEmcc()) {
  build("build:wasm", "npm", ["run", "--silent", "build:wasm"]);
} else {
  console.log(
    `wasm: emcc not found, NOT rebuilding: using the committed wasm/ binaries (${committedWasm.join(", ") || "EMPTY"}). ` +
      "Install emscripten (apt-get install emscripten node-acorn) to rebuild them from core-cpp/.",
  );
}

// Stale outputs of deleted sources must not be run, so tsc writes into clean folders.
for (const d of ["ts", "bindings", "tests", "karma"]) rmSync(join(BUILD, d), { recursive: true, force: true });
build("build:ts", "npm", ["run", "--silent", "build:ts"]);
build("build:bundle", "npm", ["run", "--silent", "build:bundle"]);
// wasm/webjax-worker.js, the pool's worker script for pages whose Content-Security-Policy
// forbids blob: workers, is generated from ts/backends/wasm/workers.ts and committed with the
// wasm files (tests/node/worker-script.spec.ts checks the committed copy).
{
  const { webWorkerScript } = await import(pathToFileURL(join(BUILD, "ts", "backends", "wasm", "workers.js")).href);
  const file = join(ROOT, "wasm", "webjax-worker.js");
  if (!existsSync(file) || readFileSync(file, "utf8") !== webWorkerScript()) {
    writeFileSync(file, webWorkerScript());
    console.log("wrote wasm/webjax-worker.js (commit it with the wasm files)");
  }
}
if (args.has("--build-only")) {
  console.log("\nbuilt: build/ (tsc), dist/webjax.mjs, dist/webjax.umd.js, dist/webjax.d.ts");
  process.exit(0);
}

// --- test --------------------------------------------------------------------------
// The shipped types compile in a consumer's project (strict with lib es2022, and tsc's defaults).
banner("types:dist");
const types = run("node", ["scripts/check-dist-types.mjs"]);
steps.push({ name: "types:dist", ok: types.ok, seconds: types.seconds });

/**
 * Runs tests/isolated/*.mjs: each script names its environments and time limit in a header
 * line `// isolated: node deno timeout=120`, and prints `ISOLATED {"passed":..}` last. A
 * script that times out (killed with its process group) or prints no counts is a failure.
 */
async function isolatedSpecs() {
  const dir = join(ROOT, "tests", "isolated");
  const files = readdirSync(dir).filter((f) => f.endsWith(".mjs") && f !== "harness.mjs").sort();
  for (const f of files) {
    const file = join(dir, f);
    const header = /^\/\/ isolated: (.*)$/m.exec(readFileSync(file, "utf8"))?.[1] ?? "node";
    const seconds = Number(/timeout=(\d+)/.exec(header)?.[1] ?? 120);
    for (const env of header.match(/\b(node|deno)\b/g) ?? ["node"]) {
      const name = `iso ${env} ${f.replace(/\.mjs$/, "")}`;
      banner(name);
      const [cmd, cmdArgs] = env === "node" ? ["node", [file]] : [join(ROOT, "node_modules", ".bin", "deno"), ["run", "-A", file]];
      const t0 = performance.now();
      const child = spawn(cmd, cmdArgs, { cwd: ROOT, stdio: ["ignore", "pipe", "inherit"], detached: true });
      let out = "";
      child.stdout.on("data", (d) => {
        out += d;
        process.stdout.write(d);
      });
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        process.kill(-child.pid, "SIGKILL");
      }, seconds * 1000);
      const status = await new Promise((resolve) => child.on("close", (code, signal) => resolve(code ?? signal)));
      clearTimeout(timer);
      const line = out.split("\n").reverse().find((l) => l.startsWith("ISOLATED "));
      const counts = line ? { ...JSON.parse(line.slice(9)), errors: [] } : null;
      const note = timedOut ? `timed out after ${seconds} s` : !counts ? `no counts (exit ${status})` : status === 0 ? "" : `exit ${status}`;
      if (note) console.log(`${name}: ${note}`);
      steps.push({ name, ok: !timedOut && status === 0 && !!counts && counts.failed === 0, seconds: (performance.now() - t0) / 1000, counts, note });
    }
  }
}

if (args.has("--isolated-only")) {
  await isolatedSpecs();
  finish();
}

if (!process.env.XDG_RUNTIME_DIR) {
  // Mesa's Vulkan loader (Deno on llvmpipe) and Chromium want one; a fresh container has none.
  process.env.XDG_RUNTIME_DIR = join(tmpdir(), `webjax-xdg-${process.getuid?.() ?? 0}`);
  mkdirSync(process.env.XDG_RUNTIME_DIR, { recursive: true, mode: 0o700 });
}
// The API reference (typedoc into build/docs/api): no warnings, and an @example on every export.
testEnv("docs", "node", ["scripts/docs.mjs"], "WEBJAX_DOCS_RESULTS");

// Node never loads the browser-only specs (build/tests/browser/). The memory specs run in
// processes (and a page) of their own: they measure how far wasm memory grows, which never
// shrinks. Nothing runs with --expose-gc or any other flag: memory must hold as users run.
const jasmineConfig = JSON.parse(readFileSync(join(ROOT, "jasmine.json"), "utf8"));
const writeConfig = (name, specFiles, helpers = jasmineConfig.helpers) => {
  const file = join(BUILD, `jasmine.${name}.json`);
  writeFileSync(file, JSON.stringify({ ...jasmineConfig, spec_files: specFiles, helpers }, null, 2));
  return file;
};
const mainSpecs = writeConfig("node", [...jasmineConfig.spec_files.filter((f) => f !== "!browser/**" && f !== "!memory/**"), "!browser/**", "!memory/**"]);
// The memory specs measure the runtime as users start it: without the test devices of tests/helpers/.
const memorySpecs = writeConfig("memory", ["memory/**/*.spec.js"], []);
const jasmine = ["node_modules/jasmine/bin/jasmine.js", "--reporter=./scripts/jasmine-reporter.mjs"];
const deno = ["npx", "deno", "run", "-A"];

testEnv("node", "node", [...jasmine, `--config=${mainSpecs}`], "WEBJAX_JASMINE_RESULTS");
testEnv("node:memory", "node", [...jasmine, `--config=${memorySpecs}`], "WEBJAX_JASMINE_RESULTS");

if (hasChromium) {
  testEnv("chromium", "npx", ["karma", "start", "karma.conf.cjs"], "WEBJAX_KARMA_RESULTS");
  testEnv("chromium:memory", "npx", ["karma", "start", "karma.conf.cjs"], "WEBJAX_KARMA_RESULTS", { WEBJAX_KARMA_SPECS: "memory" });
  // The demo page in headless Chromium (playwright-core): trains, plots, and leaves build/demo/screenshot.png.
  testEnv("demo:web", "node", ["scripts/test-demo.mjs"], "WEBJAX_DEMO_RESULTS");
} else {
  steps.push({ name: "chromium", ok: false, seconds: 0, counts: null, note: "did not run: no Chromium (apt-get install -y chromium, or set CHROME_BIN)" });
}

testEnv("deno", deno[0], [...deno.slice(1), "tests/deno/smoke.mjs"], "WEBJAX_DENO_RESULTS");
testEnv("deno:jasmine", deno[0], [...deno.slice(1), ...jasmine, `--config=${mainSpecs}`], "WEBJAX_JASMINE_RESULTS");
testEnv("deno:memory", deno[0], [...deno.slice(1), ...jasmine, `--config=${memorySpecs}`], "WEBJAX_JASMINE_RESULTS");

await isolatedSpecs();

// Every example, small, under Node and Deno without permission flags (each checks its own result).
testEnv("examples", "node", ["scripts/run-examples.mjs"], "WEBJAX_EXAMPLES_RESULTS");

// The packed tarball in an empty project: Node, Deno without permission flags, Chromium from one file.
testEnv("pack", "node", ["scripts/check-pack.mjs"], "WEBJAX_PACK_RESULTS");

// The benchmark harness, briefly: it fails when a library does not load or computes wrong values.
// The WebGPU pass runs where WebGPU is: Deno (llvmpipe) and the Chromium page (SwiftShader).
for (const [name, cmd, cmdArgs] of [
  ["bench:quick", "node", ["bench/run.mjs", "--quick"]],
  ["bench:quick:deno-webgpu", deno[0], [...deno.slice(1), "bench/run.mjs", "--quick", "--backend=webgpu"]],
  ...(hasChromium ? [["bench:quick:browser", "node", ["bench/browser.mjs", "--quick"]]] : []),
]) {
  banner(name);
  const bench = run(cmd, cmdArgs);
  steps.push({ name, ok: bench.ok, seconds: bench.seconds });
}

finish();
