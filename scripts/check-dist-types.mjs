// Compiles a small consumer (tests/types/consumer/main.ts) against the shipped types, as a
// user's project sees the package: `node_modules/webjax` -> this checkout, no other types.
// Twice: `tsc --strict --lib es2022` and tsc's defaults. Run after `npm run build:bundle`.
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const tsc = join(ROOT, "node_modules", "typescript", "bin", "tsc");
if (!existsSync(join(ROOT, "dist", "webjax.d.ts"))) {
  console.log("dist/webjax.d.ts is missing: run `npm run build:bundle` first.");
  process.exit(1);
}
const dir = mkdtempSync(join(tmpdir(), "webjax-consumer-"));
mkdirSync(join(dir, "node_modules"));
symlinkSync(ROOT, join(dir, "node_modules", "webjax"), "dir");
copyFileSync(join(ROOT, "tests", "types", "consumer", "main.ts"), join(dir, "main.ts"));

const runs = [
  ["--strict --lib es2022", ["--strict", "--lib", "es2022", "--target", "es2022", "--module", "nodenext", "--moduleResolution", "nodenext"]],
  ["tsc's defaults", []],
];
let failed = 0;
for (const [what, flags] of runs) {
  const r = spawnSync(process.execPath, [tsc, "--noEmit", ...flags, "main.ts"], { cwd: dir, encoding: "utf8" });
  const ok = r.status === 0;
  console.log(`dist/webjax.d.ts in a consumer, ${what}: ${ok ? "ok" : "FAILED"}`);
  if (!ok) {
    failed++;
    console.log((r.stdout + r.stderr).trim());
  }
}
rmSync(dir, { recursive: true, force: true });
process.exit(failed ? 1 : 0);
