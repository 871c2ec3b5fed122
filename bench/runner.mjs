// The bench's runner, shared by bench/run.mjs (Node, Deno) and the browser page
// (bench/browser/page.mjs): measures every library on a case's variants, prints one markdown
// table per variant and a summary of webjax's speed over the best peer's. No Node modules:
// it runs in Chromium as it is.
import { formatRate, formatTable, formatTime, gpuAdapterInfo, median, mismatch, timeCalls } from "./harness.mjs";

/** The libraries the bench compares, in the order of their rows. */
export const LIBRARIES = ["webjax", "jax-js", "tfjs"];

export const usageError = (message) => Object.assign(new Error(`${message} (--help lists them)`), { usage: true });

/**
 * The bench's flags (bench/run.mjs --help) into options; `caseModules` are the cases this
 * runtime can run, `defaultCases` the names run when none is given.
 */
export function parseArgs(argv, caseModules, defaultCases) {
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
  for (const c of opts.cases) if (!caseModules.some((m) => m.name === c)) throw usageError(`unknown case '${c}'; cases: ${caseModules.map((m) => m.name).join(", ")}`);
  for (const l of opts.libs) if (!LIBRARIES.includes(l)) throw usageError(`unknown library '${l}'; libraries: ${LIBRARIES.join(", ")}`);
  if (!["wasm", "webgpu", "all"].includes(opts.backend)) throw usageError(`unknown backend '${opts.backend}'; backends: wasm, webgpu, all`);
  if (opts.cases.length === 0) opts.cases = defaultCases;
  return opts;
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

/**
 * Runs the cases `opts.cases` (names of `caseModules`) on `libs` (one pass: wasm, or webgpu),
 * prints their tables and the summary; rows go into `json.cases`. Returns { failed }.
 */
export async function runPass(caseModules, libs, opts, json, { mainName, targets, target }) {
  let failed = false;
  const summary = [];
  const peersWrong = [];
  for (const caseName of opts.cases) {
    const caseMod = caseModules.find((m) => m.name === caseName);
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
        // A peer's wrong value is its finding, reported (its row, the list at the end); webjax's
        // fails the run, and so does any error (a harness or a setup problem until shown otherwise).
        if (r.status === "error" || (r.status === "wrong" && r.lib.startsWith("webjax"))) failed = true;
        else if (r.status === "wrong") peersWrong.push(`${r.lib}, ${caseMod.name}: ${variant.title}: ${r.wrong}`);
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
  if (peersWrong.length) console.log(`\n## Wrong results from peers (reported, not failing the run)\n${peersWrong.map((w) => `- ${w}`).join("\n")}`);
  return { failed };
}

/**
 * The WebGPU pass: the cases on the three libraries' WebGPU backends on this runtime's
 * adapter. `loadGpu(names)` gives { libs, failures } (bench/peers.mjs in Node and Deno,
 * bench/browser/peers.mjs in the page). Returns { failed }, or { refused } where
 * --require-hardware meets a software adapter.
 */
export async function runGpuPass(caseModules, opts, json, loadGpu) {
  const adapter = await gpuAdapterInfo();
  if (!adapter) {
    const why = "no WebGPU in this runtime (Node 20 has none): the webgpu rows run under Deno (npm run bench:deno) and in Chromium (npm run bench:browser)";
    console.log(`\n# WebGPU: ${why}`);
    return { failed: opts.backend === "webgpu" };
  }
  if (opts.requireHardware && adapter.fallback) {
    console.log(`\n# WebGPU: ${adapter.description} is a software adapter (--require-hardware): no hardware numbers here.`);
    return { refused: true, failed: true };
  }
  const gpu = await loadGpu(opts.libs);
  console.log(`\n# WebGPU, on ${adapter.description}${adapter.fallback ? " (a software adapter: only ratios mean anything)" : ""}`);
  for (const l of gpu.libs) console.log(`- ${l.name} ${l.version}: ${l.info}`);
  for (const f of gpu.failures) console.log(`- ${f.name}: NOT LOADED (${f.error})`);
  json.gpu = { adapter, libs: gpu.libs.map(({ name, version, info }) => ({ name, version, info })), failures: gpu.failures };
  for (const l of gpu.libs) await l.enter();
  if (!gpu.libs.some((l) => l.name === "webjax (webgpu)")) return { failed: true };
  const pass = await runPass(caseModules, gpu.libs, { ...opts, gpu: { software: adapter.fallback } }, json, { mainName: "webjax (webgpu)", targets: {}, target: 1 });
  return { failed: pass.failed || gpu.failures.length > 0 };
}
