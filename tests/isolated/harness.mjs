// The harness of the isolated specs (tests/isolated/*.mjs): scripts that might hang if the
// runtime regressed, so scripts/test.mjs runs each in its own process (Node, and Deno where
// the script says so) under a time limit, and a hang costs only that script; Chromium runs
// some of them in a Web Worker that the spec ends after its time limit
// (tests/browser/isolated.spec.ts). A script calls `check` for each named case; `done()`
// prints the counts as the last line (in a browser worker, posts them with every line):
//   ISOLATED {"passed":N,"failed":M,"skipped":K}
// Skips say why by name and never pass. They import the bundle (dist/webjax.mjs), which
// every runtime loads.
export const runtime = "Deno" in globalThis ? "deno" : typeof process !== "undefined" && process.versions?.node ? "node" : "chromium";
export const webjax = await import("../../dist/webjax.mjs");

const counts = { passed: 0, failed: 0, skipped: 0 };
const lines = [];
const log = (line) => {
  lines.push(line);
  console.log(line);
};

/** Runs one named case; a thrown Skip counts as skipped and prints its reason. */
export async function check(name, body) {
  const t0 = performance.now();
  try {
    const detail = await body();
    counts.passed++;
    log(`  ✓ ${runtime} > ${name}${detail ? ` (${detail})` : ""} (${Math.round(performance.now() - t0)} ms)`);
  } catch (err) {
    if (err instanceof Skip) {
      counts.skipped++;
      log(`  - SKIP ${runtime} > ${name}: ${err.message}`);
      return;
    }
    counts.failed++;
    log(`  ✗ FAIL ${runtime} > ${name}\n      ${String(err?.stack ?? err).split("\n").join("\n      ")}`);
  }
}

export class Skip extends Error {}

export function assert(cond, message) {
  if (!cond) throw new Error(message);
}

export const exactlyEqual = (a, b) => a.length === b.length && a.every((x, i) => Object.is(x, b[i]));

/** Prints the counts and ends the process (parked workers must not keep it alive). */
export function done() {
  console.log(`ISOLATED ${JSON.stringify(counts)}`);
  const code = counts.failed ? 1 : 0;
  if (runtime === "deno") Deno.exit(code);
  else if (runtime === "node") process.exit(code);
  else self.postMessage({ counts, lines });
}
