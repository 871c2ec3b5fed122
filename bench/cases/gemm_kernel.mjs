// webjax's GEMM kernel alone (wj_gemm_f32 on operands already in wasm memory, no jit, no
// readback) beside the peers' matmul: bench/matmul.mjs, a standalone script owned by the
// GEMM work, run here as a child process with this engine. It prints its own table.
import { spawnSync } from "node:child_process";
import process from "node:process";
import { fileURLToPath } from "node:url";

import { isDeno } from "../harness.mjs";

export const name = "gemm-kernel";
export const summary = "bench/matmul.mjs: the GEMM kernel alone vs the peers' matmul (its own table)";

export function spawn({ quick }) {
  const script = fileURLToPath(new URL("../matmul.mjs", import.meta.url));
  const args = quick ? ["128", "256", "--reps=3"] : [];
  const [cmd, argv] = isDeno ? [Deno.execPath(), ["run", "-A", script, ...args]] : [process.execPath, [script, ...args]];
  const r = spawnSync(cmd, argv, { stdio: ["ignore", "pipe", "pipe"], encoding: "utf8", timeout: 600_000 });
  return { ok: r.status === 0, output: `${r.stdout ?? ""}${r.stderr ?? ""}`.trimEnd(), status: r.status ?? r.signal ?? String(r.error) };
}
