// Inputs that test float16 conversions in both directions, shared by the wasm and WebGPU specs.
import { float16Value } from "../../ts/core/dtype.js";

/** The float32 next to `x`, one ulp away from zero (dir 1) or toward it (dir -1). */
function nextFloat32(x: number, dir: 1 | -1): number {
  const b = new Float32Array([x]);
  const u = new Uint32Array(b.buffer);
  u[0] += x >= 0 ? dir : -dir;
  return b[0];
}

/**
 * All 65536 halves as float32 (NaNs included), and for each finite one the float32 values just
 * below, at and just above the midpoint to its successor, both signs: ties, overflow to inf,
 * subnormals.
 */
export function float16Probes(): { halves: Float32Array; midpoints: Float32Array } {
  const halves = Float32Array.from({ length: 65536 }, (_, h) => float16Value(h));
  const probes: number[] = [];
  for (let h = 0; h < 0x7c00; h++) {
    const [a, b] = [float16Value(h), float16Value(h + 1)];
    const mid = Math.fround((a + b) / 2);
    for (const v of [mid, nextFloat32(mid, -1), nextFloat32(mid, 1)]) probes.push(v, -v);
  }
  return { halves, midpoints: Float32Array.from(probes) };
}
