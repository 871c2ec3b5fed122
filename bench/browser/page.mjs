// The bench page: bench/run.mjs's WebGPU pass in the browser (webjax, jax-js and
// tfjs-backend-webgpu on the browser's adapter). Every line it prints goes to the page, the
// console and, when bench/browser.mjs serves it, back to that process (POST /log), which
// prints it; POST /done ends the run with its exit status and the JSON of every row.
import * as dispatch from "../cases/dispatch.mjs";
import * as elementwise from "../cases/elementwise.mjs";
import * as matmul from "../cases/matmul.mjs";
import * as mlp from "../cases/mlp.mjs";
import * as reductions from "../cases/reductions.mjs";
import * as transpose from "../cases/transpose.mjs";
import { describeRuntime } from "../harness.mjs";
import { parseArgs, runGpuPass } from "../runner.mjs";
import { loadGpuLibraries } from "./peers.mjs";

// The GEMM-kernel case runs the wasm kernel in a child process: not in a page.
const CASES = [matmul, elementwise, reductions, transpose, mlp, dispatch];
const DEFAULT_CASES = CASES.map((m) => m.name);

const out = document.getElementById("out");
let posting = Promise.resolve();
const post = (path, body) => (posting = posting.then(() => fetch(path, { method: "POST", body }).then(() => undefined, () => undefined)));

const consoleLog = console.log.bind(console);
console.log = (...parts) => {
  const text = parts.map((p) => (typeof p === "string" ? p : String(p))).join(" ");
  consoleLog(text);
  out.textContent += text + "\n";
  post("/log", text + "\n");
};

async function main() {
  const args = JSON.parse(new URLSearchParams(location.search).get("args") ?? "[]");
  const opts = parseArgs(args, CASES, DEFAULT_CASES);
  if (opts.baseline || opts.json || opts.backend === "wasm") throw new Error("the page runs the WebGPU pass only: --baseline, --json and --backend=wasm are bench/run.mjs's (bench/browser.mjs writes --json itself)");
  console.log(`# webjax bench, WebGPU pass in the browser${opts.quick ? " (--quick: smoke sizes, not a measurement)" : ""}\n${describeRuntime()}`);
  console.log("Times include the readback; median and min over the timed runs after warm-up. 'vs best peer' is speed over the fastest peer's (>1 is faster).");
  const json = { runtime: describeRuntime(), cases: [] };
  const pass = await runGpuPass(CASES, { ...opts, backend: "webgpu" }, json, loadGpuLibraries);
  if (pass.failed && !pass.refused) console.log("\nFAILED: a library did not load or threw, or webjax computed a wrong result (see above).");
  return { code: pass.failed ? 1 : 0, json };
}

let result;
try {
  result = await main();
} catch (e) {
  console.log(String(e?.stack ?? e));
  result = { code: 1, json: null };
}
document.title = `webjax bench: done (${result.code})`;
await post("/done", JSON.stringify(result));
