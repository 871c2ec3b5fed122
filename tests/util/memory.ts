// Helpers for the memory specs: the wasm backend's memory, resident memory of the process, and
// running a spec body under a memory limit. The memory specs run without --expose-gc or any
// other flag (scripts/test.mjs), as users run.
import * as jax from "../../ts/index.js";

export const MiB = 2 ** 20;

/** The wasm backend's linear memory, in bytes (it grows, never shrinks). */
export function wasmMemoryBytes(): number {
  return (jax.getBackend("wasm") as any).runtime.kernels.memory.buffer.byteLength;
}

/** Resident memory of the process, where the environment tells it (Node, Deno); else null. */
export function residentBytes(): number | null {
  const g = globalThis as any;
  if (g.Deno?.memoryUsage) return g.Deno.memoryUsage().rss;
  if (g.process?.memoryUsage) return g.process.memoryUsage().rss;
  return null;
}

/** The name of the environment, for specs that say what they could not measure. */
export function environment(): string {
  const g = globalThis as any;
  return g.Deno ? "Deno" : g.process?.versions?.node ? "Node" : "Chromium";
}

/** Runs `body` with the memory limit set to `bytes`, then puts the previous limit back. */
export async function withMemoryLimit<T>(bytes: number, body: () => T | Promise<T>): Promise<T> {
  const before = jax.config.read("memoryLimit") as number;
  jax.config.update("memoryLimit", bytes);
  try {
    return await body();
  } finally {
    jax.config.update("memoryLimit", before);
  }
}

export function stats(): jax.MemoryStats {
  return jax.devices("wasm")[0].memoryStats()!;
}
