// Property tests of the wasm backend against the cpu reference backend: every primitive that
// runs eagerly (the case generators of tests/util/primitive_cases.ts), on random shapes, dtypes,
// parameters and values; convert_element_type for every dtype pair; GEMM-sized dot_general;
// fused kernels with many inputs; collectives under vmap; jit ≡ eager for random programs
// (tests/util/programs.ts); and live buffers and wasm memory that stay level over 10k jitted
// calls.
//
// Each case runs three ways: eagerly on cpu (the reference), eagerly on wasm, and under jit on
// wasm with its 0-d inputs closed over (they become literals, the native paths for pad values
// and fused constants). Results compare by the rules of tests/util/compare.ts.
//
// Known bugs are worked around in the properties (marked `bug:`) and pinned by the
// "known bugs" specs at the end, which are pending while a bug reproduces and fail once it is
// fixed, so that the workaround gets removed.
import fc from "fast-check";
import * as jax from "../../ts/index.js";
import { Array } from "../../ts/core/array.js";
import { prod } from "../../ts/core/aval.js";
import { Backend, getBackend } from "../../ts/core/backend.js";
import { DType, allocHost } from "../../ts/core/dtype.js";
import { HostArray } from "../../ts/core/host.js";
import { bind, bind1 } from "../../ts/core/trace.js";
import { lower } from "../../ts/compiler/lower.js";
import { WASM_CAPABILITIES } from "../../ts/backends/wasm/program.js";
import { simplify } from "../../ts/compiler/simplify.js";
import * as A from "../util/arbitraries.js";
import { EXACT, G, Mismatch, compare, fcParams, values } from "../util/compare.js";
import { ALL_DTYPES, arr, bool, int, pick, prim, put } from "../util/primitive_cases.js";
import { backendProperties, checkers, runOnSync } from "../util/backend_properties.js";

let cpu: Backend;
let wasm: Backend;
const runOn = runOnSync;
const { checkCase } = checkers({ name: "wasm", float64: true });


// ---- large transposes ----

/** Every element distinct (mod the dtype's range): a misplaced element shows. Fast at 100k elements. */
function distinctHost(dtype: DType, shape: number[], seed: number): HostArray {
  const data = allocHost(dtype, prod(shape));
  const float = data instanceof Float32Array || data instanceof Float64Array;
  for (let i = 0; i < data.length; i++) {
    const h = Math.imul(i + seed, 2654435761) >>> 0;
    data[i] = dtype === "bool" ? h & 1 : dtype === "float16" ? h & 0x7bff : float ? (h % 1000003) / 8 - 60000 : h;
  }
  return { shape, dtype, data };
}

/**
 * Arrays above the compiler's transposed-input threshold (WASM_CAPABILITIES.transposeCopyMin), rank 2-5,
 * every dtype: a transpose alone (the tiled OP_COPY, eagerly and under jit), and for the
 * fused dtypes one read by a kernel (copied contiguous first), maybe after a rev (negative
 * strides) and broadcast along a new axis (the copy holds only the distinct elements).
 */
async function checkLargeTranspose(g: G): Promise<void> {
  const rank = int(g, 2, 5);
  const dtype = pick(g, ALL_DTYPES);
  const maxDim = Math.round(2 ** (17 / rank));
  const shape = globalThis.Array.from({ length: rank }, () => (int(g, 0, 6) === 0 ? 1 : int(g, 2, maxDim)));
  const k = int(g, 0, rank - 1);
  const others = prod(shape) / shape[k];
  const size = int(g, WASM_CAPABILITIES.transposeCopyMin, 4 * WASM_CAPABILITIES.transposeCopyMin);
  if (others * shape[k] < size) shape[k] = Math.ceil(size / others);
  const perm = g(() => A.permutation(rank));
  const x = distinctHost(dtype, shape, int(g, 0, 1000));
  await checkCase("transpose", { inputs: [x], params: { permutation: perm } });
  if (!["float32", "int32", "uint32", "bool"].includes(dtype)) return;
  const revDims = bool(g) ? g(() => A.axes(rank, { min: 1 })) : [];
  const tShape = perm.map((d) => shape[d]);
  const at = bool(g) ? int(g, 0, rank) : -1;
  const outShape = at < 0 ? tShape : [...tShape.slice(0, at), 3, ...tShape.slice(at)];
  const y = distinctHost(dtype, g(() => A.broadcastableTo(outShape)), 7);
  const fn = ([a, b]: Array[]) => {
    let t = bind1(prim("transpose"), [revDims.length ? bind1(prim("rev"), [a], { dimensions: revDims }) : a], { permutation: perm });
    if (at >= 0) t = bind1(prim("broadcast_in_dim"), [t], { shape: outShape, broadcast_dimensions: tShape.map((_, i) => (i < at ? i : i + 1)), sharding: null });
    return [bind1(prim(dtype === "bool" ? "or" : "add"), [t, bind1(prim("broadcast_in_dim"), [b], { shape: outShape, broadcast_dimensions: outShape.map((_, i) => i), sharding: null })])];
  };
  const want = runOn(cpu, [x, y], fn);
  const got = runOn(wasm, [x, y], (xs) => jax.jit((...a: Array[]) => fn(a))(...xs) as Array[]);
  const errors = compare("jit wasm", got[0], want[0], EXACT);
  if (errors.length) throw new Mismatch(`${dtype} ${shape.join("x")} rev ${revDims} perm ${perm} into ${outShape.join("x")} + ${y.shape.join("x")}\n  ${errors.join("\n  ")}`);
}

// ---- known bugs ----

/**
 * A bug these properties found, now fixed: the minimal case stays as a regression test. The
 * properties still steer around it (`workaround`), so this spec is what guards it.
 */
function knownBug(title: string, workaround: string, reproduces: () => boolean): void {
  it(title, () => {
    expect(reproduces()).withContext(`regressed: ${title} (the properties avoid it: ${workaround})`).toBeFalse();
  });
}

const f32 = (...v: number[]): HostArray => ({ shape: [v.length], dtype: "float32", data: Float32Array.from(v) });

/** The first output of `fn` on wasm and on cpu, as JS numbers. */
function onBoth(inputs: HostArray[], fn: (xs: Array[]) => Array[]): [number[], number[]] {
  return [values(runOn(wasm, inputs, fn)[0]), values(runOn(cpu, inputs, fn)[0])];
}
const differ = ([w, c]: [number[], number[]]) => w.some((x, i) => !Object.is(x, c[i]) && !(Number.isNaN(x) && Number.isNaN(c[i])));

// ---- the specs ----

describe("wasm backend properties (against cpu)", () => {
  beforeAll(async () => {
    await jax.init();
    cpu = getBackend("cpu");
    wasm = getBackend("wasm");
  });

  backendProperties({ name: "wasm", float64: true }, () => true, "");

  it("transposes of large arrays (tiled copies, copied kernel inputs) match cpu", async () => {
    await fc.assert(fc.asyncProperty(fc.gen(), checkLargeTranspose), fcParams(40));
  });

  it("keeps live buffers and wasm memory level over 10k jitted calls", () => {
    const np = jax.numpy;
    // Fused elementwise ops, a transpose view, a reduction, a dot and a host call (cumsum).
    const f = jax.jit((x: Array, y: Array) => {
      const t = x.mul(y).add(1).T;
      return [t.sum({ axis: 0 }), t.matmul(y), bind1(prim("cumsum"), [np.maximum(x, 0)], { axis: 1, reverse: false })];
    });
    const x = jax.devicePut(np.arange(12).astype("float32").reshape([3, 4]).div(7), "wasm");
    const y = jax.devicePut(np.ones([3, 4]).mul(0.5), "wasm");
    const memory = () => (wasm as any).runtime.kernels.memory.buffer.byteLength as number;
    const calls = (n: number, how: "dispose" | "tidy") => {
      for (let i = 0; i < n; i++) {
        if (how === "tidy") jax.tidy(() => void f(x, y));
        else (f(x, y) as Array[]).forEach((o) => o.dispose());
      }
    };
    calls(100, "dispose"); // warm-up: compiles, caches constants
    const [live, bytes] = [wasm.liveBuffers(), memory()];
    calls(4950, "dispose");
    calls(4950, "tidy");
    expect(wasm.liveBuffers()).withContext("live buffers").toBe(live);
    expect(memory()).withContext("wasm memory bytes").toBe(bytes);
    x.dispose();
    y.dispose();
  });

  describe("regressions: bugs these properties found, now fixed", () => {
    it("rem with a huge quotient returns the exact remainder (3e38 rem 1e-38, 1e15 rem 3)", () => {
      // fmod_s used to correct a float32-rounded quotient one |y| at a time, forever for these.
      expect(differ(onBoth([f32(3e38, 1e15, -1e15, 7), f32(1e-38, 3, 3, 0.1)], (xs) => bind(prim("rem"), xs)))).toBeFalse();
    });
    it("fused kernels and copies over views of rank > 8 are right (jit(x => transpose(x, reversed)) on a [2]*9 array)", () => {
      // core-cpp used to hold 8 dims; it holds 16 now and the compiler refuses more.
      const shape = new globalThis.Array(9).fill(2);
      const x: HostArray = { shape, dtype: "float32", data: Float32Array.from({ length: 512 }, (_, i) => i) };
      const perm = shape.map((_, i) => 8 - i);
      expect(differ(onBoth([x], (xs) => [jax.jit((a: Array) => bind(prim("transpose"), [a], { permutation: perm })[0].mul(2))(xs[0])]))).toBeFalse();
    });
    knownBug("rem keeps the sign of the dividend on a zero result (rem(-6, 3) is -0)", "EXACT_ZEROS for rem", () =>
      differ(onBoth([f32(-6, -0, -7.5), f32(3, 3, 2.5)], (xs) => bind(prim("rem"), xs))));
    knownBug("reduce_max(+0, -0) is +0 and reduce_min(-0, +0) is -0", "EXACT_ZEROS for reduce_max/min and plusZero in programs", () =>
      differ(onBoth([f32(0, -0)], (xs) => bind(prim("reduce_max"), xs, { axes: [0], out_sharding: null }))) ||
      differ(onBoth([f32(-0, 0)], (xs) => bind(prim("reduce_min"), xs, { axes: [0], out_sharding: null }))));
    knownBug("jit keeps literals -0 and +0 apart (CSE merged max(x, -0) and max(x, 0))", "no -0 in LITERALS", () =>
      differ(onBoth([f32(-0)], (xs) => jax.jit((x: Array) => {
        const [neg0, pos0] = [-0, 0].map((v) => put(getBackend(), { shape: [], dtype: "float32", data: Float32Array.of(v) })); // 0-d: literals
        return [bind1(prim("concatenate"), [bind1(prim("max"), [x, neg0]), bind1(prim("max"), [x, pos0])], { dimension: 0 })];
      })(xs[0]) as Array[])));
    knownBug("shift_right_arithmetic of uint32 by >= 32 fills with the top bit, as XLA (the cpu reference gives 0)", "uint32 counts < 32", () =>
      differ(onBoth([{ shape: [2], dtype: "uint32", data: Uint32Array.of(0x80000000, 0x80000000) }, { shape: [2], dtype: "uint32", data: Uint32Array.of(32, 40) }], (xs) => bind(prim("shift_right_arithmetic"), xs))));
    knownBug("int32 reduce_prod wraps as XLA does (the cpu reference multiplies in float64: 99991^4 comes out wrong)", "integer products in {-1, 0, 1}", () =>
      differ(onBoth([{ shape: [4], dtype: "int32", data: Int32Array.of(99991, 99991, 99991, 99991) }], (xs) => bind(prim("reduce_prod"), xs, { axes: [0], out_sharding: null }))));
    knownBug("a fused kernel reads at most 32 inputs (core-cpp/fused.cpp has room for 32)", "checkWide with at most 16 inputs", () => {
      // Checked on the lowered program: running it overflows the C++ Kernel struct (wrong sums, or a trap).
      const xs = globalThis.Array.from({ length: 33 }, () => jax.ShapeDtypeStruct([2], "float32"));
      const closed = jax.makeJaxpr((...a: Array[]) => a.reduce((s, t) => bind1(prim("add"), [s, t])))(...xs);
      return lower(simplify(closed.jaxpr), WASM_CAPABILITIES).instrs.some((i) => i.op === "fused" && i.ins.length > 32);
    });
    knownBug("a right-nested elementwise chain of 31 ops compiles (x + (x + (... + x)))", "checkWide with at most 16 inputs", () => {
      try {
        runOn(wasm, [f32(1, 2)], (xs) => [jax.jit((x: Array) => globalThis.Array.from({ length: 31 }).reduce<Array>((t) => bind1(prim("add"), [x, t]), x))(xs[0]) as Array]);
        return false;
      } catch (e) {
        return /more than 32 registers/.test((e as Error).message);
      }
    });
  });
});
