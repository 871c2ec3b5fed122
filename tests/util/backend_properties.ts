// The property suite of a compiled backend against the cpu reference, shared by the wasm and
// WebGPU specs: every primitive eager and under jit, jit ≡ eager on random programs (inputs
// donated too), GEMM-sized dot_general, convert_element_type between every pair of dtypes, wide
// fused kernels, reductions of elementwise expressions, and collectives under vmap. Results of
// the backend under test are read back asynchronously (WebGPU has no other way); the cpu
// reference runs synchronously. Case generators: primitive_cases.ts; programs: programs.ts.
import fc from "fast-check";
import * as jax from "../../ts/index.js";
import { Array, ConcreteArray } from "../../ts/core/array.js";
import { prod } from "../../ts/core/aval.js";
import { Backend, BackendName, getBackend } from "../../ts/core/backend.js";
import { DType } from "../../ts/core/dtype.js";
import { HostArray } from "../../ts/core/host.js";
import { Params, allPrimitives } from "../../ts/core/primitive.js";
import { bind, bind1 } from "../../ts/core/trace.js";
import * as A from "./arbitraries.js";
import { EXACT, EXACT_ZEROS, G, Mismatch, Tol, ULP, compare as compareTo, fcParams, flushSubnormals, fmtHost, fmtParams } from "./compare.js";
import { ALL_DTYPES, CASES, Case, NOT_EAGER, absHost, arr, int, jitWithLiterals, largeDot, pick, prim, put, shapeOf } from "./primitive_cases.js";
import { Program, describeProgram, genProgram, runProgram } from "./programs.js";

/** `fn` on arrays of `b` made from `inputs`, read back synchronously; frees every array it made. */
export function runOnSync(b: Backend, inputs: HostArray[], fn: (xs: Array[]) => Array[]): HostArray[] {
  const prev = jax.defaultBackend();
  jax.setDefaultBackend(b.name); // operand-less programs (iota) run on the default backend
  const xs = inputs.map((h) => put(b, h));
  try {
    const outs = jax.tidy(() => fn(xs)) as ConcreteArray[];
    const read = outs.map((o) => ({ shape: o.shape, dtype: o.dtype, data: o.readSync() }));
    outs.forEach((o) => o.dispose());
    return read;
  } finally {
    xs.forEach((x) => x.dispose());
    jax.setDefaultBackend(prev);
  }
}

/** `runOnSync` for any backend: the results are read back asynchronously. */
export async function runOn(b: Backend, inputs: HostArray[], fn: (xs: Array[]) => Array[]): Promise<HostArray[]> {
  const prev = jax.defaultBackend();
  jax.setDefaultBackend(b.name);
  const xs = inputs.map((h) => put(b, h));
  let outs: ConcreteArray[];
  try {
    outs = jax.tidy(() => fn(xs)) as ConcreteArray[];
  } finally {
    jax.setDefaultBackend(prev);
  }
  try {
    const read: HostArray[] = [];
    for (const o of outs) read.push({ shape: o.shape, dtype: o.dtype, data: await o.read() });
    return read;
  } finally {
    outs.forEach((o) => o.dispose());
    xs.forEach((x) => x.dispose());
  }
}

/** The backend under test, and how its suite differs. */
export interface UnderTest {
  name: BackendName;
  /** What a case becomes for this backend (WebGPU has no float64: demoteFloat64). */
  adapt?(c: Case): Case;
  /** Random programs may use float64. */
  float64: boolean;
  /** Runs of each property (the default: as many as the wasm suite). */
  runs?(n: number): number;
  /** Whether the device flushes float32 subnormals (inputs are flushed too, results compared so). */
  ftz?(): boolean;
}

export function checkers(ut: UnderTest) {
  const cpu = () => getBackend("cpu");
  const sut = () => getBackend(ut.name);
  const ftz = () => ut.ftz?.() ?? false;
  const adapt = ut.adapt ?? ((c: Case) => c);
  /** The reference on inputs with their subnormals flushed, where the device flushes some (see compare). */
  const alternative = (inputs: HostArray[], fn: (xs: Array[]) => Array[]): HostArray[] | null =>
    ftz() ? runOnSync(cpu(), inputs.map(flushSubnormals), fn) : null;
  const cmp = (alt: HostArray[] | null) => (what: string, got: HostArray, want: HostArray, tol: Tol, mag?: HostArray, i = 0) =>
    compareTo(what, got, want, tol, mag, { ftz: ftz(), alt: alt?.[i] });

  async function checkCase(name: string, c0: Case): Promise<void> {
    const c = adapt(c0);
    const p = prim(name);
    const what = () => `${name} params=${fmtParams(c.params)}\n  inputs: ${c.inputs.map((h) => fmtHost(h)).join("\n          ")}`;
    const eager = (xs: Array[]) => bind(p, xs, c.params);
    let errors: string[];
    try {
      const want = runOnSync(cpu(), c.inputs, eager);
      const compare = cmp(alternative(c.inputs, eager));
      const tols = want.map((_, i) => (globalThis.Array.isArray(c.tol) ? c.tol[i] : c.tol ?? EXACT));
      const mags = tols.some((t) => t.kind === "sum") ? runOnSync(cpu(), c.inputs.map(absHost), eager) : [];
      const runs: [string, HostArray[]][] = [[`eager ${ut.name}`, await runOn(sut(), c.inputs, eager)], [`jit ${ut.name}`, await runOn(sut(), c.inputs, jitWithLiterals(p, c))]];
      errors = runs.flatMap(([how, got]) =>
        got.length !== want.length ? [`${how}: ${got.length} outputs, want ${want.length}`] : got.flatMap((o, i) => compare(`${how} output ${i}`, o, want[i], tols[i], mags[i], i)));
    } catch (e) {
      throw new Error(`${what()}\n  threw ${(e as Error).stack}`);
    }
    if (errors.length) throw new Mismatch(`${what()}\n  ${errors.join("\n  ")}`);
  }

  async function checkProgram(p: Program): Promise<void> {
    const what = () => `program:\n    ${describeProgram(p)}`;
    let errors: string[];
    try {
      const want = runOnSync(cpu(), p.inputs, (xs) => runProgram(p, xs));
      const compare = cmp(alternative(p.inputs, (xs) => runProgram(p, xs)));
      const eager = await runOn(sut(), p.inputs, (xs) => runProgram(p, xs));
      const jitted = await runOn(sut(), p.inputs, (xs) => jax.jit((...a: Array[]) => runProgram(p, a))(...xs) as Array[]);
      // Every input donated: outputs may be written into input buffers the program still reads.
      const donate = p.inputs.map((_, i) => i);
      const donated = await runOn(sut(), p.inputs, (xs) => jax.jit((...a: Array[]) => runProgram(p, a), { donateArgnums: donate })(...xs) as Array[]);
      errors = [
        ...eager.flatMap((o, i) => compare(`eager ${ut.name} output ${i}`, o, want[i], p.tols[i], undefined, i)),
        ...jitted.flatMap((o, i) => compare(`jit ${ut.name} output ${i}`, o, want[i], p.tols[i], undefined, i)),
        ...donated.flatMap((o, i) => compare(`jit ${ut.name} (inputs donated) output ${i}`, o, want[i], p.tols[i], undefined, i)),
      ];
    } catch (e) {
      throw new Error(`${what()}\n  threw ${(e as Error).stack}`);
    }
    if (errors.length) throw new Mismatch(`${what()}\n  ${errors.join("\n  ")}`);
  }

  /** n inputs (broadcasting against one shape) combined by one elementwise tree, under jit. */
  async function checkWide(g: G, maxInputs: number): Promise<void> {
    const n = int(g, 2, maxInputs);
    const base = shapeOf(g, { minRank: 1, maxRank: 3, maxDim: 6, zero: false });
    const inputs = globalThis.Array.from({ length: n }, () => arr(g, "float32", g(() => A.broadcastableTo(base)), { integers: true, min: -4, max: 4 }));
    // The tree: each node combines two subtrees; `shape` picks left-deep, right-deep or mixed splits.
    const shape = pick(g, ["left", "right", "mixed"]);
    const ops = inputs.map(() => pick(g, ["add", "max", "sub", "min"]));
    const tree = (xs: Array[], k = 0): Array => {
      if (xs.length === 1) return xs[0];
      const cut = shape === "left" ? xs.length - 1 : shape === "right" ? 1 : 1 + (k * 7919 + xs.length) % (xs.length - 1);
      return bind1(prim(ops[k % ops.length]), [tree(xs.slice(0, cut), k + 1), tree(xs.slice(cut), k + 2)]);
    };
    const fn = (xs: Array[]) => [tree(xs)];
    const want = runOnSync(cpu(), inputs, fn);
    const got = await runOn(sut(), inputs, (xs) => jax.jit((...a: Array[]) => fn(a))(...xs) as Array[]);
    const errors = cmp(alternative(inputs, fn))(`jit ${ut.name}`, got[0], want[0], EXACT);
    if (errors.length) throw new Mismatch(`${n} inputs, ${shape} tree: ${inputs.map((h) => h.shape.join("x")).join(", ")}\n  ${errors.join("\n  ")}`);
  }

  /**
   * A float32 reduction over trailing axes of an elementwise expression (computed inside the
   * reduction, never stored whole): many short rows, long rows, and one long run.
   */
  async function checkExpressionReduction(g: G): Promise<void> {
    const reducer = pick(g, REDUCERS);
    // Products of more than ~7000 factors within 1.2% of 1 could leave float32's range in one
    // SIMD lane or thread while the whole product doesn't: no "whole" runs for them.
    const mode = pick(g, reducer === "reduce_prod" ? ["small", "rows", "long"] : ["small", "rows", "long", "whole"]);
    const dims = (n: number, max: number) => globalThis.Array.from({ length: n }, () => int(g, 1, max));
    const [outer, red] =
      mode === "small" ? [dims(int(g, 0, 2), 5), dims(int(g, 1, 2), 6)]
      : mode === "rows" ? [[int(g, 2, 300)], dims(int(g, 1, 2), 40)]
      : mode === "long" ? [dims(int(g, 0, 1), 4), [int(g, 2049, reducer === "reduce_prod" ? 7000 : 9000)]]
      : [[], pick(g, [[int(g, 32768, 100000)], [2, int(g, 16384, 50000)]])];
    const shape = [...outer, ...red];
    const axes = red.map((_, i) => outer.length + i);
    const expr = pick(g, reducer === "reduce_prod" ? ["x*y"] : ["x*y", "(x-y)^2", "exp(x-max)", "abs(x)+y"]);
    const x = quickF32(shape, int(g, 0, 999), reducer === "reduce_prod");
    const y = quickF32(g(() => A.broadcastableTo(shape)), int(g, 0, 999), reducer === "reduce_prod");
    const bcast = (v: Array) => bind1(prim("broadcast_in_dim"), [v], { shape, broadcast_dimensions: shape.map((_, i) => i), sharding: null });
    const term = ([a, b]: Array[]): Array => {
      switch (expr) {
        case "x*y": return bind1(prim("mul"), [a, bcast(b)]);
        case "(x-y)^2": return bind1(prim("square"), [bind1(prim("sub"), [a, bcast(b)])]);
        case "abs(x)+y": return bind1(prim("add"), [bind1(prim("abs"), [a]), bcast(b)]);
        default: {
          const m = bind1(prim("reduce_max"), [a], { axes, out_sharding: null });
          const mb = bind1(prim("broadcast_in_dim"), [m], { shape, broadcast_dimensions: outer.map((_, i) => i), sharding: null });
          return bind1(prim("exp"), [bind1(prim("sub"), [a, mb])]);
        }
      }
    };
    const fn = (xs: Array[]) => [bind1(prim(reducer), [term(xs)], { axes, out_sharding: null })];
    const n = prod(red);
    const transcendental = expr === "exp(x-max)";
    // Long float32 sums of same-sign terms (squares, exps) drift further than the random-walk
    // bound: allow the worst case of recursive summation, n eps sum|terms| (terms = n^2 / 4).
    const sameSign = expr === "(x-y)^2" || transcendental;
    const tol: Tol =
      reducer === "reduce_sum" ? { kind: "sum", terms: (sameSign ? (n * n) / 4 : n) + (transcendental ? 16 : 0) }
      : reducer === "reduce_prod" ? { kind: "prod", terms: n }
      : transcendental ? ULP : EXACT;
    const want = runOnSync(cpu(), [x, y], fn);
    const mag = reducer === "reduce_sum" ? runOnSync(cpu(), [x, y], (xs) => [bind1(prim("reduce_sum"), [bind1(prim("abs"), [term(xs)])], { axes, out_sharding: null })])[0] : undefined;
    const got = await runOn(sut(), [x, y], (xs) => jax.jit((...a: Array[]) => fn(a))(...xs) as Array[]);
    const errors = cmp(alternative([x, y], fn))(`jit ${ut.name}`, got[0], want[0], tol, mag);
    if (errors.length) throw new Mismatch(`${reducer} of ${expr} over the last ${red.length} axes of ${shape.join("x")} (y ${y.shape.join("x")})\n  ${errors.join("\n  ")}`);
  }

  async function checkCollective(g: G): Promise<void> {
    const name = pick(g, Object.keys(COLLECTIVES));
    const n = int(g, 1, 4);
    const rest = shapeOf(g, { maxRank: 2, maxDim: 4 });
    if (name === "reduce_scatter" || name === "all_to_all") rest.unshift(n);
    const d = pick(g, ["float32", "float32", "int32"] as DType[]);
    const input = arr(g, d, [n, ...rest], { integers: true, min: -8, max: 8 });
    const params = COLLECTIVES[name](n);
    const fn = (xs: Array[]) => [jax.vmap((x: Array) => bind1(prim(name), name === "axis_index" ? [] : [x], params), { axisName: "i" })(xs[0])];
    const want = runOnSync(cpu(), [input], fn);
    // bug: reduce_max/min and the sign of zero (pmax/pmin lower to them): zeros match.
    const errors = cmp(alternative([input], fn))(`vmap ${ut.name}`, (await runOn(sut(), [input], fn))[0], want[0], EXACT_ZEROS);
    if (errors.length) throw new Mismatch(`${name} ${fmtParams(params)} on ${fmtHost(input)}\n  ${errors.join("\n  ")}`);
  }

  return { checkCase, checkProgram, checkWide, checkExpressionReduction, checkCollective };
}

/** Quick float32 values: `near1` for products, else in [-2, 2) (exact in float32). */
function quickF32(shape: number[], seed: number, near1: boolean): HostArray {
  const data = new Float32Array(prod(shape));
  for (let i = 0; i < data.length; i++) {
    const h = Math.imul(i + seed, 2654435761) >>> 0;
    data[i] = near1 ? 1 + ((h % 201) - 100) / 8192 : (h % 1024) / 256 - 2;
  }
  return { shape, dtype: "float32", data };
}

const REDUCERS = ["reduce_sum", "reduce_max", "reduce_min", "reduce_prod"];

const COLLECTIVES: Record<string, (n: number) => Params> = {
  psum: () => ({ axis_name: ["i"] }),
  pmax: () => ({ axis_name: ["i"] }),
  pmin: () => ({ axis_name: ["i"] }),
  all_gather: (n) => ({ axis_name: ["i"], all_gather_dimension: 0, axis_size: n, tiled: false }),
  reduce_scatter: (n) => ({ axis_name: ["i"], scatter_dimension: 0, axis_size: n, tiled: false }),
  axis_index: () => ({ axis_name: ["i"] }),
  psum_invariant: () => ({ axis_name: ["i"] }),
  pvary: () => ({ axis_name: ["i"] }),
  // A rotation, with the last member receiving nothing (zeros) when there are several.
  ppermute: (n) => ({ axis_name: ["i"], perm: globalThis.Array.from({ length: Math.max(1, n - 1) }, (_, j) => [j, (j + 1) % n]) }),
  all_to_all: (n) => ({ axis_name: ["i"], split_axis: 0, concat_axis: 0, axis_size: n, tiled: false }),
};

/**
 * The shared specs, inside the caller's describe. `ready()` says whether the backend runs here
 * (else each spec is pending with `why`).
 */
export function backendProperties(ut: UnderTest, ready: () => boolean, why: string): void {
  const c = checkers(ut);
  const runs = (n: number) => ut.runs?.(n) ?? n;
  const prop = (title: string, n: number, check: (g: G) => Promise<void>, timeout = 60000) =>
    it(title, async () => {
      if (!ready()) return pending(why);
      await fc.assert(fc.asyncProperty(fc.gen(), check), fcParams(runs(n)));
    }, timeout);

  it("has a property for every primitive", () => {
    const missing = allPrimitives().map((p) => p.name).filter((n) => !(n in CASES) && !(n in NOT_EAGER));
    expect(missing).withContext("add a case generator to CASES in tests/util/primitive_cases.ts").toEqual([]);
  });
  prop(`jit ≡ eager: random programs give the same values under jit on ${ut.name}, eagerly on ${ut.name} and on cpu`, 200, (g) => c.checkProgram(genProgram(g, false, { float64: ut.float64 })), 120000);
  prop("jit ≡ eager on large arrays (multiple blocks and threads)", 20, (g) => c.checkProgram(genProgram(g, true, { float64: ut.float64 })), 120000);
  prop("dot_general on GEMM-sized operands matches cpu", 10, (g) => c.checkCase("dot_general", largeDot(g)));
  prop("convert_element_type between every pair of dtypes matches cpu", 3, async (g) => {
    const s = shapeOf(g, { maxRank: 2, maxDim: 6 });
    const dtypes = ALL_DTYPES.filter((d) => ut.float64 || d !== "float64");
    for (const from of dtypes) {
      const x = arr(g, from, s, { special: 4 });
      for (const to of dtypes) await c.checkCase("convert_element_type", { inputs: [x], params: { new_dtype: to, weak_type: false } });
    }
  });
  // bug: more than 32 inputs, or a deep right-nested expression, breaks a wasm fused kernel (see its "known bugs").
  prop("fused kernels with many inputs match cpu", 30, (g) => c.checkWide(g, 16));
  prop("float32 reductions of elementwise expressions match cpu", 60, c.checkExpressionReduction, 120000);
  prop("collectives under vmap match cpu", 30, c.checkCollective);
  describe("each primitive, eager and under jit, matches cpu", () => {
    for (const [name, gen] of Object.entries(CASES)) prop(name, 30, (g) => c.checkCase(name, gen(g)));
  });
}
