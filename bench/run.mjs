// `npm run bench`: webjax's wasm backend side by side with jax-js and TensorFlow.js-wasm in
// one process, one table of medians and ratios per case. Same script under Deno.
//
//   node bench/run.mjs [case ...] [--quick] [--libs=webjax,jax-js,tfjs] [--reps=N] [--json=FILE] [--baseline=DIST] [--backend=wasm|webgpu|all]
//   npx deno run -A bench/run.mjs [same]
//
// Cases: matmul, elementwise, reductions, transpose, mlp, dispatch (the default set), and gemm-kernel
// (bench/matmul.mjs, the GEMM kernel alone, run as a child process). Beside webjax's own row,
// "webjax (no dispose)" runs elementwise, mlp and dispatch as a new user writes them (results
// never disposed), and --baseline=OTHER/dist runs another build of webjax in the same process. --quick runs small
// sizes and few repetitions: a smoke run that keeps the harness working, not a measurement.
// Where the runtime has WebGPU (Deno, Chromium), a second pass runs the cases on the three
// libraries' WebGPU backends on the same adapter (--backend=wasm or webgpu runs one pass).
// Exit status is 1 when a library did not load, computed a wrong result or failed a case
// (--libs=... leaves a library out on purpose).
import { writeFileSync } from "node:fs";
import process from "node:process";

import * as dispatch from "./cases/dispatch.mjs";
import * as elementwise from "./cases/elementwise.mjs";
import * as gemmKernel from "./cases/gemm_kernel.mjs";
import * as matmul from "./cases/matmul.mjs";
import * as mlp from "./cases/mlp.mjs";
import * as reductions from "./cases/reductions.mjs";
import * as transpose from "./cases/transpose.mjs";
import { describeRuntime, formatRate, formatTable, formatTime, median, mismatch, timeCalls } from "./harness.mjs";
import { LIBRARIES, gpuAdapterInfo, loadGpuLibraries, loadLibraries } from "./peers.mjs";

const CASES = [matmul, elementwise, reductions, transpose, mlp, dispatch, gemmKernel];
const DEFAULT_CASES = ["matmul", "elementwise", "reductions", "transpose", "mlp", "dispatch"];
/** webjax's speed over the best peer's that the project aims for (the bench issue). */
const TARGETS = { elementwise: 3, mlp: 1.5, dispatch: 1 };

const usageError = (message) => Object.assign(new Error(`${message} (--help lists them)`), { usage: true });

function parseArgs(argv) {
  const opts = { cases: [], quick: false, libs: LIBRARIES, reps: null, json: null, baseline: null, backend: "all", matmul: null, requireHardware: false };
  for (const a of argv) {
    if (a === "--quick") opts.quick = true;
    else if (a.startsWith("--libs=")) opts.libs = a.slice(7).split(",");
    else if (a.startsWith("--reps=")) opts.reps = Number(a.slice(7));
    else if (a.startsWith("--json=")) opts.json = a.slice(7);
    else if (a.startsWith("--baseline=")) opts.baseline = a.slice(11);
    else if (a.startsWith("--backend=")) opts.backend = a.slice(10);
    else if (a.startsWith("--matmul=")) opts.matmul = a.slice(9).split(",").map(Number);
    else if (a === "--require-hardware") opts.requireHardware = true;
    else if (a === "--help" || a === "-h") opts.help = true;
    else if (a.startsWith("-")) throw usageError(`unknown flag ${a}`);
    else opts.cases.push(a);
  }
  for (const c of opts.cases) if (!CASES.some((m) => m.name === c)) throw usageError(`unknown case '${c}'; cases: ${CASES.map((m) => m.name).join(", ")}`);
  for (const l of opts.libs) if (!LIBRARIES.includes(l)) throw usageError(`unknown library '${l}'; libraries: ${LIBRARIES.join(", ")}`);
  if (!["wasm", "webgpu", "all"].includes(opts.backend)) throw usageError(`unknown backend '${opts.backend}'; backends: wasm, webgpu, all`);
  if (opts.cases.length === 0) opts.cases = DEFAULT_CASES;
  return opts;
}

function usage() {
  console.log("node bench/run.mjs [case ...] [--quick] [--libs=webjax,jax-js,tfjs] [--reps=N] [--json=FILE] [--baseline=OTHER/dist] [--backend=wasm|webgpu|all] [--matmul=N,...] [--require-hardware]\n\ncases:");
  console.log("  (--matmul: the matmul sizes; --require-hardware: fail unless WebGPU has a hardware adapter)");
  for (const m of CASES) console.log(`  ${m.name.padEnd(12)} ${m.summary}${DEFAULT_CASES.includes(m.name) ? "" : "  (not in the default set)"}`);
}

const firstLine = (e) => String(e?.message ?? e).split("\n")[0].slice(0, 200);

/**
 * Sets up every library on one variant, checks each one's first result against the
 * reference, then times them interleaved (one repetition of each in turn, the order
 * rotating), so that load from other processes on a shared machine falls on all alike.
 * Never throws: a failure becomes that library's row.
 */
async function measureVariant(libs, variant, inputs, ref, opts) {
  const reps = opts.reps ?? variant.reps;
  const warmup = variant.warmup ?? 2;
  const batch = variant.batch ?? 1;
  const rows = new Map();
  const live = [];
  for (const lib of libs) {
    // webjax's extra rows run webjax's implementation; "no dispose" only where the case has it;
    // WebGPU rows run their library's implementation, except synchronous readbacks (none on WebGPU).
    if (lib.gpu && variant.sync) continue;
    const impl = lib.impl ? variant.impls[lib.impl] : lib.kind ? (!lib.noDispose || variant.noDispose ? variant.impls[lib.kind] : undefined) : variant.impls[lib.name];
    if (!impl) continue;
    try {
      const instance = await impl(lib, inputs);
      live.push({ lib, instance });
      const result = await (instance.first ?? instance.run)();
      const wrong = mismatch(result, ref.want, ref);
      rows.set(lib.name, { lib: lib.name, status: wrong ? "wrong" : "ok", wrong, times: [] });
    } catch (e) {
      rows.set(lib.name, { lib: lib.name, status: "error", error: firstLine(e), stack: String(e?.stack ?? e) });
    }
  }
  const running = live.filter(({ lib }) => rows.get(lib.name).status !== "error");
  const stats0 = new Map(running.map(({ lib }) => [lib.name, lib.stats?.()]));
  for (let r = -warmup; r < reps; r++) {
    for (let k = 0; k < running.length; k++) {
      const { lib, instance } = running[(k + Math.max(r, 0)) % running.length];
      const row = rows.get(lib.name);
      if (row.status === "error") continue;
      try {
        // Warm-up rounds are timed rounds thrown away (V8 tiers a hot call path up late).
        const ms = await timeCalls(instance.run, batch);
        if (r >= 0) row.times.push(ms);
      } catch (e) {
        Object.assign(row, { status: "error", error: firstLine(e), stack: String(e?.stack ?? e) });
      }
    }
  }
  for (const { lib, instance } of live) {
    const row = rows.get(lib.name);
    const s0 = stats0.get(lib.name);
    const s1 = lib.stats?.();
    if (s0 && s1) row.hostCalls = (s1.hostCalls - s0.hostCalls) / ((warmup + reps) * batch);
    if (row.times.length) Object.assign(row, { median: median(row.times), min: Math.min(...row.times), reps: row.times.length, batch });
    delete row.times;
    try {
      instance.dispose?.();
    } catch {
      // a failed dispose must not hide the measurement
    }
  }
  return [...rows.values()];
}

/** One markdown table for a variant, and webjax's (the row `mainName`) speed over the best peer's. */
function table(variant, rows, mainName = "webjax") {
  const rate = Boolean(variant.unit);
  const speed = (r) => (r.status === "ok" ? 1 / r.median : NaN);
  const ours = (r) => r.lib.startsWith("webjax");
  const peers = rows.filter((r) => !ours(r) && r.status === "ok");
  const best = peers.length ? Math.max(...peers.map(speed)) : NaN;
  const header = ["library", "median", "min", ...(rate ? [`${variant.unit} (median)`] : []), "vs best peer", ...(variant.peak ? [`of ${variant.peak} peak`] : []), "note"];
  const body = rows.map((r) => {
    if (r.status === "error") return [r.lib, "-", "-", ...(rate ? ["-"] : []), "-", ...(variant.peak ? ["-"] : []), `ERROR: ${r.error}`];
    const value = rate ? variant.work / (r.median / 1e3) : NaN;
    const ratio = r.status === "ok" && Number.isFinite(best) ? `${(speed(r) / best).toFixed(2)}x` : "-";
    const notes = [];
    if (r.status === "wrong") notes.push(`WRONG: ${r.wrong}`);
    if (r.hostCalls > 0) notes.push(`${+r.hostCalls.toFixed(2)} host calls/call`);
    const main = rows.find((m) => m.lib === mainName && m.status === "ok");
    if (main && r !== main && ours(r) && r.status === "ok") notes.push(`${(main.median / r.median).toFixed(2)}x the webjax row's speed`);
    const peak = variant.peak ? [`${((100 * value) / variant.peak).toFixed(0)}%`] : [];
    return [r.lib, formatTime(r.median), formatTime(r.min), ...(rate ? [formatRate(value)] : []), ratio, ...peak, notes.join("; ")];
  });
  const main = rows.find((r) => r.lib === mainName && r.status === "ok");
  const relative = (name) => {
    const r = rows.find((x) => x.lib === name && x.status === "ok");
    return r && main ? main.median / r.median : NaN;
  };
  return {
    text: formatTable(header, body),
    ratio: main && Number.isFinite(best) ? speed(main) / best : NaN,
    noDispose: relative("webjax (no dispose)"),
    baseline: relative("webjax (baseline)"),
  };
}

/** Runs the cases on `libs` (one pass: wasm, or webgpu), prints their tables and the summary. */
async function runPass(libs, opts, json, { mainName, targets, target }) {
  let failed = false;
  const summary = [];
  for (const caseName of opts.cases) {
    const caseMod = CASES.find((m) => m.name === caseName);
    console.log(`\n## ${caseMod.name}${opts.gpu ? " (webgpu)" : ""}: ${caseMod.summary}`);
    if (caseMod.spawn) {
      if (opts.gpu) {
        console.log("(the wasm GEMM kernel alone: not run on WebGPU)");
        continue;
      }
      const r = caseMod.spawn({ quick: opts.quick });
      console.log(r.output);
      if (!r.ok) {
        console.log(`${caseMod.name}: exited with ${r.status}`);
        failed = true;
      }
      continue;
    }
    for (const variant of caseMod.variants({ quick: opts.quick, gpu: opts.gpu, sizes: opts.matmul })) {
      if (opts.gpu && variant.sync) continue;
      const inputs = variant.make?.() ?? {};
      const ref = variant.reference(inputs);
      const rows = await measureVariant(libs, variant, inputs, ref, opts);
      const { text, ratio, noDispose, baseline } = table(variant, rows, mainName);
      console.log(`\n### ${variant.title}\n${text}`);
      for (const r of rows) {
        if (r.status === "wrong" || r.status === "error") failed = true;
        if (r.stack) console.log(`${r.lib} failed:\n  ${r.stack.split("\n").slice(0, 8).join("\n  ")}`);
      }
      const ours = rows.find((r) => r.lib === mainName)?.status;
      summary.push({ case: caseMod.name, variant: variant.title, ratio, ours, target: targets[caseMod.name] ?? target, noDispose, baseline });
      json.cases.push({ case: caseMod.name, backend: opts.gpu ? "webgpu" : "wasm", variant: variant.title, unit: variant.unit, work: variant.work, rows: rows.map(({ stack, ...r }) => r) });
    }
  }

  if (summary.length) {
    console.log(`\n## ${mainName} vs best peer${opts.gpu ? " (each on WebGPU, the same adapter)" : ""}`);
    const rows = summary.map((s) => [
      `${s.case}: ${s.variant}`,
      s.ours === "wrong" || s.ours === "error" ? s.ours.toUpperCase() : Number.isFinite(s.ratio) ? `${s.ratio.toFixed(2)}x` : "-",
      s.target ? `${s.target}x` : "",
      s.target && Number.isFinite(s.ratio) ? (s.ratio >= s.target ? "met" : "not met") : "",
    ]);
    console.log(formatTable(["case", `${mainName} / best peer`, "target", "note"], rows));
    // Without dispose() a loop should run as fast as with it (within 15%), and no case may be
    // slower than the baseline build (by more than 5%).
    const extra = summary.filter((s) => Number.isFinite(s.noDispose) || Number.isFinite(s.baseline));
    if (extra.length) {
      const cell = (x, floor) => (Number.isFinite(x) ? `${x.toFixed(2)}x${x < floor ? " (below the bound)" : ""}` : "");
      console.log("\n## webjax against itself (speed over speed)");
      console.log(formatTable(["case", "no dispose / dispose (>= 0.87x)", "this build / baseline (>= 0.95x)"], extra.map((s) => [
        `${s.case}: ${s.variant}`, cell(s.noDispose, 1 / 1.15), cell(1 / s.baseline, 0.95),
      ])));
    }
  }
  return { failed };
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  if (opts.help) return usage(), 0;
  console.log(`# webjax bench${opts.quick ? " (--quick: smoke sizes, not a measurement)" : ""}\n${describeRuntime()}`);
  const { libs, failures } = await loadLibraries(opts.libs, { baseline: opts.baseline });
  for (const l of libs) console.log(`- ${l.name} ${l.version}: ${l.info}`);
  for (const f of failures) console.log(`- ${f.name}: NOT LOADED (${f.error})`);
  if (failures.some((f) => f.name === "webjax")) {
    console.log("webjax did not load: build dist/webjax.mjs first (npm run build).");
    return 1;
  }
  console.log("Times include the readback; median and min over the timed runs after warm-up. 'vs best peer' is speed over the fastest peer's (>1 is faster).");

  // Every library is a devDependency: one that does not load is a broken setup, not a result.
  let failed = failures.length > 0;
  const json = { runtime: describeRuntime(), libs: libs.map(({ name, version, info }) => ({ name, version, info })), failures, cases: [] };
  if (opts.backend !== "webgpu") {
    const pass = await runPass(libs, opts, json, { mainName: "webjax", targets: TARGETS });
    failed ||= pass.failed;
  }
  if (opts.backend !== "wasm") {
    const adapter = await gpuAdapterInfo();
    if (!adapter) {
      const why = "no WebGPU in this runtime (Node 20 has none): the webgpu rows run under Deno (npm run bench:deno) and in Chromium (npm run bench:browser)";
      console.log(`\n# WebGPU: ${why}`);
      if (opts.backend === "webgpu") failed = true;
    } else {
      if (opts.requireHardware && adapter.fallback) {
        console.log(`\n# WebGPU: ${adapter.description} is a software adapter (--require-hardware): no hardware numbers here.`);
        return 1;
      }
      const gpu = await loadGpuLibraries(opts.libs, libs);
      console.log(`\n# WebGPU, on ${adapter.description}${adapter.fallback ? " (a software adapter: only ratios mean anything)" : ""}`);
      for (const l of gpu.libs) console.log(`- ${l.name} ${l.version}: ${l.info}`);
      for (const f of gpu.failures) console.log(`- ${f.name}: NOT LOADED (${f.error})`);
      failed ||= gpu.failures.length > 0;
      json.gpu = { adapter, libs: gpu.libs.map(({ name, version, info }) => ({ name, version, info })), failures: gpu.failures };
      for (const l of gpu.libs) await l.enter();
      if (gpu.libs.some((l) => l.name === "webjax (webgpu)")) {
        const pass = await runPass(gpu.libs, { ...opts, gpu: { software: adapter.fallback } }, json, { mainName: "webjax (webgpu)", targets: {}, target: 1 });
        failed ||= pass.failed;
      } else failed = true;
    }
  }
  if (opts.json) writeFileSync(opts.json, JSON.stringify(json, null, 2));
  if (failed) console.log("\nFAILED: a library did not load, computed a wrong result or failed a case (see above).");
  return failed ? 1 : 0;
}

let code = 1;
try {
  code = await main();
} catch (e) {
  console.error(e?.usage ? e.message : String(e?.stack ?? e));
}
// The wasm worker pools of webjax (and tfjs, jax-js where threaded) keep the process alive.
process.exit(code);
