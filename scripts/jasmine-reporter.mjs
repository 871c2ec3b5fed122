// Jasmine reporter for the Node and Deno runs of `npm test`: prints every spec's full name and
// writes the counts to $WEBJAX_JASMINE_RESULTS (read by scripts/test.mjs).
import { writeFileSync } from "node:fs";

export default class NamedReporter {
  counts = { passed: 0, failed: 0, skipped: 0, errors: [], ran: false };

  jasmineStarted() {
    const deno = globalThis.Deno?.version;
    console.log(deno ? `jasmine: running in Deno ${deno.deno} (V8 ${deno.v8})` : `jasmine: running in Node ${process.version}`);
  }

  specDone(result) {
    const name = result.fullName;
    if (result.status === "passed") {
      this.counts.passed++;
      console.log(`  ✓ ${name} (${result.duration ?? "?"} ms)`);
    } else if (result.status === "failed") {
      this.counts.failed++;
      console.log(`  ✗ FAIL ${name}`);
      for (const f of result.failedExpectations) console.log(`      ${f.message}\n      ${(f.stack ?? "").split("\n").slice(1, 4).join("\n      ")}`);
    } else {
      this.counts.skipped++;
      console.log(`  - SKIP ${name} (${result.pendingReason || result.status})`);
    }
  }

  suiteDone(result) {
    for (const f of result.failedExpectations ?? []) this.counts.errors.push(`${result.fullName}: ${f.message}`);
  }

  jasmineDone(result) {
    for (const f of result.failedExpectations ?? []) this.counts.errors.push(f.message);
    for (const e of this.counts.errors) console.log(`  ✗ ERROR ${e}`);
    this.counts.ran = true;
    this.counts.overallStatus = result.overallStatus;
    const out = process.env.WEBJAX_JASMINE_RESULTS;
    if (out) writeFileSync(out, JSON.stringify(this.counts, null, 2));
    const { passed, failed, skipped } = this.counts;
    console.log(`jasmine: passed=${passed} failed=${failed} skipped=${skipped} (${result.overallStatus})`);
  }
}
