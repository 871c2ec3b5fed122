// Karma runs the shared specs plus tests/browser/ in headless Chromium (WebGPU on
// SwiftShader, cross-origin isolated). It reads the tsc output in build/, so run
// `npm run build:ts` first (`npm test` does). Specs are bundled by rollup into one ES
// module because the browser cannot resolve bare imports (npm dependencies) itself.
//
// Environment: CHROME_BIN (default /usr/bin/chromium), WEBJAX_KARMA_RESULTS (where the
// named reporter writes its pass/fail counts, default build/karma-results.json),
// WEBJAX_KARMA_SPECS=memory (only tests/memory/, which need a page of their own: they measure
// how far wasm memory grows, and it never shrinks; otherwise everything but tests/memory/), or
// another folder of tests/ alone (WEBJAX_KARMA_SPECS=webgpu, for working on one part).
"use strict";

const fs = require("node:fs");
const path = require("node:path");

const ROOT = __dirname;
const SPEC_ROOT = path.join(ROOT, "build", "tests");
const BUNDLE_DIR = path.join(ROOT, "build", "karma");
const RESULTS_FILE = process.env.WEBJAX_KARMA_RESULTS || path.join(ROOT, "build", "karma-results.json");

process.env.CHROME_BIN = process.env.CHROME_BIN || "/usr/bin/chromium";

// Exactly the flags of DESIGN.md; the "Chrome" base adds a fresh --user-data-dir.
const CHROMIUM_FLAGS = [
  "--headless",
  "--no-sandbox",
  "--enable-unsafe-webgpu",
  "--use-webgpu-adapter=swiftshader",
  "--disable-background-networking",
  "--disable-component-update",
  "--no-first-run",
  "--disable-sync",
  "--disable-quic",
];
const ONLY = process.env.WEBJAX_KARMA_SPECS ? path.join(SPEC_ROOT, process.env.WEBJAX_KARMA_SPECS) : null;
const MEMORY_DIR = path.join(SPEC_ROOT, "memory");

/** build/tests/**\/*.spec.js, without the Node-only folder tests/node/; one folder alone, or all but tests/memory/. */
function specFiles(dir = ONLY ?? SPEC_ROOT) {
  const found = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (full !== path.join(SPEC_ROOT, "node") && (full !== MEMORY_DIR || ONLY === MEMORY_DIR)) found.push(...specFiles(full));
    } else if (entry.name.endsWith(".spec.js")) {
      found.push(full);
    }
  }
  return found.sort();
}

async function bundleSpecs() {
  if (!fs.existsSync(SPEC_ROOT)) throw new Error(`${SPEC_ROOT} is missing: run \`npm run build:ts\` first`);
  fs.mkdirSync(BUNDLE_DIR, { recursive: true });
  const entry = path.join(BUNDLE_DIR, "entry.mjs");
  // The helpers (tests/helpers/, as jasmine's `helpers` in Node) start the runtime with the test
  // devices; the memory page measures the runtime as users start it.
  const helpers = ONLY === MEMORY_DIR ? [] : [path.join(SPEC_ROOT, "helpers", "devices.js")];
  const imports = [path.join(SPEC_ROOT, "browser", "setup.js"), ...helpers, ...specFiles()];
  fs.writeFileSync(entry, imports.map((f) => `import ${JSON.stringify(f)};\n`).join(""));

  const { rollup } = await import("rollup");
  const { nodeResolve } = await import("@rollup/plugin-node-resolve");
  const bundle = await rollup({
    input: entry,
    // Node-only modules are reached only through dynamic imports behind environment checks.
    external: (id) => id.startsWith("node:"),
    plugins: [nodeResolve({ browser: true })],
    onwarn(warning, warn) {
      if (warning.code !== "CIRCULAR_DEPENDENCY") warn(warning);
    },
  });
  await bundle.write({ file: path.join(BUNDLE_DIR, "specs.mjs"), format: "es", inlineDynamicImports: true, sourcemap: true });
  await bundle.close();
  return imports.length - 1 - helpers.length;
}

/** Prints every spec's full name, per browser, and writes the counts for scripts/test.mjs. */
function NamedReporter(baseReporterDecorator) {
  baseReporterDecorator(this);
  const counts = { passed: 0, failed: 0, skipped: 0, errors: [] };
  this.onBrowserStart = (browser) => this.write(`karma: running in ${browser.name}\n`);
  this.onSpecComplete = (browser, result) => {
    const name = [...result.suite, result.description].join(" > ");
    if (result.skipped || result.pending) {
      counts.skipped++;
      this.write(`  - SKIP ${name}\n`);
    } else if (result.success) {
      counts.passed++;
      this.write(`  ✓ ${name} (${result.time} ms)\n`);
    } else {
      counts.failed++;
      this.write(`  ✗ FAIL ${name}\n`);
      for (const log of result.log) this.write(`      ${String(log).split("\n").join("\n      ")}\n`);
    }
  };
  this.onBrowserError = (browser, error) => {
    counts.errors.push(String(error && error.message ? error.message : error));
    this.write(`karma: browser error in ${browser.name}: ${JSON.stringify(error)}\n`);
  };
  this.onRunComplete = (browsers, results) => {
    // Karma may report completion twice after a browser error; the file is rewritten whole.
    const ran = browsers.length > 0 && !results.disconnected;
    const errors = [...counts.errors];
    if (results.error && errors.length === 0) errors.push("karma run error (spec load failure or browser crash)");
    fs.writeFileSync(RESULTS_FILE, JSON.stringify({ ...counts, errors, ran }, null, 2));
    this.write(`karma: passed=${counts.passed} failed=${counts.failed} skipped=${counts.skipped}\n`);
  };
}
NamedReporter.$inject = ["baseReporterDecorator"];

module.exports = async (config) => {
  const specCount = await bundleSpecs();
  console.log(`karma: bundled ${specCount} spec files into build/karma/specs.mjs`);
  config.set({
    basePath: ROOT,
    frameworks: ["jasmine"],
    files: [
      // The UMD bundle as a classic script (it runs before the deferred module below).
      { pattern: "dist/webjax.umd.js", watched: false, nocache: true },
      { pattern: "build/karma/specs.mjs", type: "module", watched: false },
      { pattern: "build/karma/specs.mjs.map", included: false, watched: false },
      { pattern: "wasm/**/*", included: false, served: true, watched: false, nocache: true },
      // Pages and workers that tests/browser/isolated.spec.ts opens, over the ES module bundle (and tests/browser/worker-start.spec.ts's module worker).
      { pattern: "dist/webjax.mjs", included: false, served: true, watched: false, nocache: true },
      { pattern: "tests/browser/pages/*", included: false, served: true, watched: false, nocache: true },
      { pattern: "tests/isolated/*.mjs", included: false, served: true, watched: false, nocache: true },
    ],
    mime: { "application/wasm": ["wasm"] },
    // Without these Chromium is not cross-origin isolated and runs single-threaded.
    customHeaders: [
      { match: ".*", name: "Cross-Origin-Opener-Policy", value: "same-origin" },
      { match: ".*", name: "Cross-Origin-Embedder-Policy", value: "require-corp" },
      // Strict pages: workers only from this origin (no blob:), none at all, and no wasm compiling.
      { match: "csp-no-blob\\.html$", name: "Content-Security-Policy", value: "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; worker-src 'self'" },
      { match: "csp-no-workers\\.html$", name: "Content-Security-Policy", value: "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; worker-src 'none'" },
      { match: "csp-no-wasm-eval\\.html$", name: "Content-Security-Policy", value: "default-src 'self'; script-src 'self'" },
      // A page without cross-origin isolation inside the isolated one: no SharedArrayBuffer there.
      { match: "pmap-not-isolated\\.html(\\?|$)", name: "Permissions-Policy", value: "cross-origin-isolated=()" },
    ],
    plugins: ["karma-jasmine", "karma-chrome-launcher", { "reporter:named": ["type", NamedReporter] }],
    reporters: ["named"],
    browsers: ["ChromiumWebGPU"],
    customLaunchers: { ChromiumWebGPU: { base: "Chrome", flags: CHROMIUM_FLAGS } },
    client: { jasmine: { random: false, timeoutInterval: 30000 }, captureConsole: true },
    browserNoActivityTimeout: 120000,
    captureTimeout: 120000,
    singleRun: true,
    autoWatch: false,
    logLevel: config.LOG_WARN,
  });
};
