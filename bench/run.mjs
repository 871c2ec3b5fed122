// `npm run bench`: webjax's wasm backend side by side with jax-js and TensorFlow.js-wasm in
// one process, one table of medians and ratios per case. Same script under Deno.
//
//   node bench/run.mjs [case ...] [--quick] [--libs=webjax,jax-js,tfjs] [--reps=N] [--json=FILE] [--baseline=DIST] [--backend=wasm|webgpu|all]
//   npx deno run -A bench/run.mjs [same]
//
// Cases: matmul, elementwise, reductions, transpose, mlp, dispatch, pmap (the default set), and gemm-kernel
// (bench/matmul.mjs, the GEMM kernel alone, run as a child process). Beside webjax's own row,
// "webjax (no dispose)" runs elementwise, mlp and dispatch as a new user writes them (results
// never disposed), and --baseline=OTHER/dist runs another build of webjax in the same process. --quick runs small
// sizes and few repetitions: a smoke run that keeps the harness working, not a measurement.
// Where the runtime has WebGPU (Deno, Chromium), a second pass runs the cases on the three
// libraries' WebGPU backends on the same adapter (--backend=wasm or webgpu runs one pass).
// Exit status is 1 when a library did not load or threw in a case, or webjax computed a wrong
// result (--libs=... leaves a library out on purpose); a peer's wrong result is flagged WRONG in
// its row and listed at the end, without failing the run (jax-js's WebGPU max over 2048x2048 is
// wrong on llvmpipe, for one).
import { writeFileSync } from "node:fs";
import process from "node:process";

import * as dispatch from "./cases/dispatch.mjs";
import * as elementwise from "./cases/elementwise.mjs";
import * as gemmKernel from "./cases/gemm_kernel.mjs";
import * as matmul from "./cases/matmul.mjs";
import * as mlp from "./cases/mlp.mjs";
import * as pmapCase from "./cases/pmap.mjs";
import * as reductions from "./cases/reductions.mjs";
import * as transpose from "./cases/transpose.mjs";
import { describeRuntime } from "./harness.mjs";
import { loadGpuLibraries, loadLibraries } from "./peers.mjs";
import { parseArgs, runGpuPass, runPass } from "./runner.mjs";

const CASES = [matmul, elementwise, reductions, transpose, mlp, dispatch, pmapCase, gemmKernel];
const DEFAULT_CASES = ["matmul", "elementwise", "reductions", "transpose", "mlp", "dispatch", "pmap"];
/** webjax's speed over the best peer's that the project aims for (the bench issue). */
const TARGETS = { elementwise: 3, mlp: 1.5, dispatch: 1 };

function usage() {
  console.log("node bench/run.mjs [case ...] [--quick] [--libs=webjax,jax-js,tfjs] [--reps=N] [--json=FILE] [--baseline=OTHER/dist] [--backend=wasm|webgpu|all] [--matmul=N,...] [--require-hardware]\n\ncases:");
  console.log("  (--matmul: the matmul sizes; --require-hardware: fail unless WebGPU has a hardware adapter)");
  for (const m of CASES) console.log(`  ${m.name.padEnd(12)} ${m.summary}${DEFAULT_CASES.includes(m.name) ? "" : "  (not in the default set)"}`);
}

async function main() {
  const opts = parseArgs(process.argv.slice(2), CASES, DEFAULT_CASES);
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
    const pass = await runPass(CASES, libs, opts, json, { mainName: "webjax", targets: TARGETS });
    failed ||= pass.failed;
  }
  if (opts.backend !== "wasm") {
    const pass = await runGpuPass(CASES, opts, json, (names) => loadGpuLibraries(names, libs));
    if (pass.refused) return 1;
    failed ||= pass.failed;
  }
  if (opts.json) writeFileSync(opts.json, JSON.stringify(json, null, 2));
  if (failed) console.log("\nFAILED: a library did not load or threw, or webjax computed a wrong result (see above).");
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
