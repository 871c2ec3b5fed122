// The vectorised float32 math of core-cpp/vmath.{h,cpp} (through wj_vmath_f32): each op
// within its documented ulp bound on a sampled sweep of its domain, and special values
// exactly as XLA/numpy give them. tools/vmath_ulp.mjs measures the bounds on dense sweeps.
// Runs in Node and Chromium: no node: imports here.
import type { Core } from "../../bindings/core.js";
import type { LoadedRuntime } from "../../ts/backends/wasm/loader.js";
import { loadWasmRuntime } from "../../ts/backends/wasm/runtime.js";
import { OPS, SPECIALS, SPECIAL_VALUES, sweep, ulpError } from "../util/vmath_reference.js";

function vmath(core: Core, op: number, xs: ArrayLike<number>): Float32Array {
  const n = xs.length;
  const inPtr = core.malloc(n * 4), outPtr = core.malloc(n * 4);
  try {
    new Float32Array(core.memory.buffer, inPtr, n).set(xs);
    core.exports.wj_vmath_f32(op, inPtr, outPtr, n);
    return new Float32Array(core.memory.buffer, outPtr, n).slice();
  } finally {
    core.free(inPtr);
    core.free(outPtr);
  }
}

const POINTS_PER_RANGE = 6000;

describe("vmath (vectorised float32 math)", () => {
  let core: Core;

  beforeAll(async () => {
    core = ((await loadWasmRuntime({ threads: false })) as LoadedRuntime).kernels;
  });

  OPS.forEach((op, id) => {
    it(`${op.name} is within ${op.ulps} ulp on a sweep and exact on special values`, () => {
      const xs = Float32Array.from([...op.ranges.flatMap(([lo, hi]) => sweep(lo, hi, POINTS_PER_RANGE)), ...SPECIALS]);
      const ys = vmath(core, id, xs);
      let worst = { ulp: 0, x: 0, y: 0, ref: 0 };
      for (let k = 0; k < xs.length; k++) {
        const ref = op.ref(xs[k]);
        const ulp = ulpError(ys[k], ref);
        if (!(ulp <= worst.ulp)) worst = { ulp, x: xs[k], y: ys[k], ref };
      }
      expect(worst.ulp).withContext(`${op.name}(${worst.x}) = ${worst.y}, reference ${worst.ref}`).toBeLessThanOrEqual(op.ulps);
    });
  });

  const byName = (name: string): number => OPS.findIndex((o) => o.name === name);
  const run = (name: string, xs: number[]): number[] => Array.from(vmath(core, byName(name), xs));

  it("gives numpy's special values", () => {
    for (const [name, xs, want] of SPECIAL_VALUES) expect(run(name, xs)).withContext(name).toEqual(want);
    expect(run("logistic", [-100])[0]).toBeGreaterThan(0); // 3.7e-44, a subnormal
  });

  it("handles lengths that are not a multiple of 4, and large sin/cos/tan arguments lane by lane", () => {
    const xs = [0.5, 1e6, -2, 3e38, 7, 1e-3, -1e9];
    for (const name of ["sin", "cos", "tan"]) {
      const op = OPS[byName(name)];
      const ys = run(name, xs);
      for (let k = 0; k < xs.length; k++) expect(ulpError(ys[k], op.ref(Math.fround(xs[k])))).toBeLessThanOrEqual(op.ulps);
    }
    const ys = run("exp", [1, 2, 3, 4, 5]);
    ys.forEach((y, k) => expect(ulpError(y, Math.exp(k + 1))).toBeLessThanOrEqual(1));
  });

  it("is the same in the threaded build", async () => {
    const threaded = ((await loadWasmRuntime({ threads: true })) as LoadedRuntime).kernels;
    const xs = sweep(-20, 20, 1001);
    for (let id = 0; id < OPS.length; id++) {
      expect(Array.from(vmath(threaded, id, xs))).withContext(OPS[id].name).toEqual(Array.from(vmath(core, id, xs)));
    }
  });
});
