// Data parallelism over worker devices, webjax alone: bench/pmap.mjs (a data-parallel MLP step
// and a row-split 2048x2048 matmul on 2 devices against 1, beside the threaded jit), run as a
// child process because it starts the runtime with jax.init({devices: 2}). Its own table.
import { spawnSync } from "node:child_process";
import process from "node:process";
import { fileURLToPath } from "node:url";

import { isDeno } from "../harness.mjs";

export const name = "pmap";
export const summary = "bench/pmap.mjs: pmap/shardMap on 2 devices vs 1, and the threaded jit (its own table)";

export function spawn({ quick }) {
  const script = fileURLToPath(new URL("../pmap.mjs", import.meta.url));
  const args = quick ? ["--quick"] : [];
  const [cmd, argv] = isDeno ? [Deno.execPath(), ["run", "-A", script, ...args]] : [process.execPath, [script, ...args]];
  const r = spawnSync(cmd, argv, { stdio: ["ignore", "pipe", "pipe"], encoding: "utf8", timeout: 600_000 });
  return { ok: r.status === 0, output: `${r.stdout ?? ""}${r.stderr ?? ""}`.trimEnd(), status: r.status ?? r.signal ?? String(r.error) };
}
