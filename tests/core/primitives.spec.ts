// The primitive checklist: every registered primitive needs a sample here, and its abstract
// evaluation must agree with what evaluating it (on the cpu reference backend) produces.
// A new primitive makes "has a sample for every primitive" fail until it is added to SAMPLES.
import * as jax from "../../ts/index.js";
import { numpy as np } from "../../ts/index.js";
import { Array } from "../../ts/core/array.js";
import { DType } from "../../ts/core/dtype.js";
import { Params, allPrimitives } from "../../ts/core/primitive.js";
import { bind } from "../../ts/core/trace.js";
import { ClosedJaxpr } from "../../ts/core/jaxpr.js";
import { ShapedArray } from "../../ts/core/aval.js";
import * as tree from "../../ts/core/tree.js";
import { FlatCallback } from "../../ts/transforms/callback.js";

type Sample = {
  inputs: () => Array[];
  params?: Params;
  /** Collectives run under a vmap that binds axis "i" of this size (inputs carry that axis). */
  axisSize?: number;
  /** Evaluation raises by design (JAX's error); abstract evaluation still works. */
  throws?: RegExp;
};

const full = (shape: number[], dtype: DType, v = 0.5) => np.full(shape, dtype === "bool" ? true : v, { dtype });
const f32 = (...shape: number[]) => full(shape, "float32");
const i32 = (...shape: number[]) => full(shape, "int32", 3);

const unary = (x: () => Array, params: Params = {}): Sample => ({ inputs: () => [x()], params });
const binary = (x: () => Array, y: () => Array = x): Sample => ({ inputs: () => [x(), y()] });
const reduction = (x: () => Array, axes: number[]): Sample => ({ inputs: () => [x()], params: { axes, out_sharding: null } });

const FLOAT_UNARY = ["floor", "ceil", "is_finite", "exp", "exp2", "log", "log1p", "expm1", "tanh", "logistic", "sin", "cos", "tan",
  "asin", "acos", "atan", "sinh", "cosh", "asinh", "acosh", "atanh", "sqrt", "rsqrt", "cbrt", "erf", "erf_inv", "real", "imag", "conj"];
const NUMERIC_BINARY = ["add", "sub", "mul", "div", "rem", "pow", "max", "min", "atan2", "nextafter", "eq", "ne", "lt", "le", "gt", "ge"];

const SAMPLES: Record<string, Sample> = {
  convert_element_type: unary(() => f32(2, 3), { new_dtype: "int32", weak_type: false }),
  broadcast_in_dim: unary(() => f32(3), { shape: [2, 3], broadcast_dimensions: [1], sharding: null }),
  reshape: unary(() => f32(2, 3), { new_sizes: [3, 2], dimensions: null, sharding: null }),
  transpose: unary(() => f32(2, 3), { permutation: [1, 0] }),
  squeeze: unary(() => f32(2, 1, 3), { dimensions: [1] }),
  select_n: { inputs: () => [full([2, 3], "bool"), f32(2, 3), f32(2, 3)] },
  clamp: { inputs: () => [full([], "float32", 0), f32(2, 3), full([], "float32", 1)] },
  iota: { inputs: () => [], params: { dtype: "int32", shape: [2, 3], dimension: 1, sharding: null } },
  neg: unary(() => i32(4)),
  sign: unary(() => f32(4)),
  round: unary(() => f32(4), { rounding_method: 1 }),
  abs: unary(() => full([3], "complex64")),
  not: unary(() => full([3], "bool")),
  square: unary(() => i32(2, 2)),
  integer_pow: unary(() => f32(3), { y: 3 }),
  and: binary(() => i32(3)),
  or: binary(() => full([3], "bool")),
  xor: binary(() => full([3], "uint32", 5)),
  shift_left: binary(() => i32(3)),
  shift_right_logical: binary(() => full([3], "uint32", 7)),
  shift_right_arithmetic: binary(() => i32(3)),
  complex: binary(() => f32(2)),
  dot_general: {
    inputs: () => [f32(5, 2, 3), f32(5, 3, 4)],
    params: { dimension_numbers: [[[2], [1]], [[0], [0]]], precision: null, preferred_element_type: "float32" },
  },
  reduce_sum: reduction(() => f32(2, 3, 4), [0, 2]),
  reduce_prod: reduction(() => i32(2, 3), [1]),
  reduce_max: reduction(() => f32(2, 3), [0]),
  reduce_min: reduction(() => full([2, 3], "uint32", 2), [0, 1]),
  reduce_and: reduction(() => full([2, 3], "bool"), [1]),
  reduce_or: reduction(() => full([2, 3], "bool"), [0]),
  argmax: unary(() => f32(2, 3), { axes: [1], index_dtype: "int32" }),
  argmin: unary(() => f32(2, 3), { axes: [0], index_dtype: "int32" }),
  cumsum: unary(() => f32(2, 3), { axis: 1, reverse: false }),
  cumprod: unary(() => i32(2, 3), { axis: 0, reverse: true }),
  cummax: unary(() => f32(4), { axis: 0, reverse: false }),
  cummin: unary(() => f32(2, 3), { axis: 1, reverse: true }),
  // Indexing and random primitives (added by the indexing/random work).
  slice: unary(() => f32(4, 6), { start_indices: [1, 0], limit_indices: [3, 6], strides: [1, 2] }),
  dynamic_slice: { inputs: () => [f32(4, 6), full([], "int32", 1), full([], "int32", 2)], params: { slice_sizes: [2, 3] } },
  dynamic_update_slice: { inputs: () => [f32(4, 6), f32(2, 3), full([], "int32", 1), full([], "int32", 2)] },
  gather: { inputs: () => [f32(4, 3), full([5, 1], "int32", 2)], params: { mode: "clip", fill_value: null } },
  scatter: { inputs: () => [f32(4, 3), full([2, 1], "int32", 1), f32(2, 3)] },
  "scatter-add": { inputs: () => [f32(4, 3), full([2, 1], "int32", 1), f32(2, 3)] },
  "scatter-mul": { inputs: () => [i32(4, 3), full([2, 1], "int32", 1), i32(2, 3)] },
  "scatter-min": { inputs: () => [f32(4, 3), full([2, 2], "int32", 1), f32(2)] },
  "scatter-max": { inputs: () => [f32(4, 3), full([2, 1], "int32", 3), f32(2, 3)] },
  concatenate: { inputs: () => [f32(2, 3), f32(4, 3)], params: { dimension: 0 } },
  pad: { inputs: () => [f32(2, 3), full([], "float32", 0)], params: { padding_config: [[1, 0, 0], [0, 2, 1]] } },
  rev: unary(() => f32(2, 3), { dimensions: [1] }),
  sort: { inputs: () => [f32(2, 3), i32(2, 3)], params: { dimension: 1, is_stable: true, num_keys: 1 } },
  threefry2x32: { inputs: () => [full([], "uint32", 1), full([], "uint32", 2), full([4], "uint32", 3), full([4], "uint32", 4)] },
  bitcast_convert_type: unary(() => f32(3), { new_dtype: "uint32" }),
  jit: {
    inputs: () => [f32(3), f32(3)],
    params: {
      jaxpr: new ClosedJaxpr(jax.makeJaxpr((a: Array, b: Array) => [np.sin(a).mul(b), a.sum()])(f32(3), f32(3)).jaxpr, []),
      name: "f", donated_invars: [false, false], keep_unused: false, inline: false, backend: null,
    },
  },
};
const callJaxpr = () => new ClosedJaxpr(jax.makeJaxpr((a: Array) => [np.sin(a)])(f32(3)).jaxpr, []);
const closedOf = (fn: (...a: Array[]) => Array[], ...args: Array[]) => new ClosedJaxpr(jax.makeJaxpr(fn)(...args).jaxpr, []);
const collective = (params: Params, inputs = () => [f32(3, 2)]): Sample => ({ inputs, params: { axis_name: ["i"], ...params }, axisSize: 3 });
Object.assign(SAMPLES, {
  add_any: binary(() => f32(2, 3)),
  stop_gradient: unary(() => f32(2)),
  pure_callback: {
    inputs: () => [f32(3)],
    params: { callback: new FlatCallback((x: Array) => [x.sum(), x], tree.structure([0])), result_avals: [new ShapedArray([], "float32"), new ShapedArray([3], "float32")], sharding: null, vmap_method: null },
  },
  name: unary(() => f32(2), { name: "h" }),
  remat2: { inputs: () => [f32(3)], params: { jaxpr: callJaxpr(), prevent_cse: true, differentiated: false, policy: null } },
  custom_jvp_call: { inputs: () => [f32(3)], params: { name: "f", call_jaxpr: callJaxpr(), jvp: () => [[], []], num_consts: 0, symbolic_zeros: false } },
  custom_vjp_call: { inputs: () => [f32(3)], params: { name: "f", call_jaxpr: callJaxpr(), fwd: () => [[], [], null], bwd: () => [], num_consts: 0, symbolic_zeros: false } },
  custom_lin: {
    inputs: () => [f32(3)],
    params: { bwd: () => [], statics: null, num_res: 0, out_avals: [f32(3).aval], in_avals: [f32(3).aval] },
    throws: /can't apply forward-mode autodiff \(jvp\) to a custom_vjp function/,
  },
  psum: collective({}),
  pmax: collective({}),
  pmin: collective({}),
  all_gather: collective({ all_gather_dimension: 0, axis_size: 3, tiled: false }),
  reduce_scatter: collective({ scatter_dimension: 0, axis_size: 3, tiled: false }, () => [f32(3, 3)]),
  axis_index: collective({}, () => []),
  ppermute: collective({ perm: [[0, 1], [1, 2]] }),
  psum_invariant: collective({}),
  pvary: collective({}),
  all_to_all: collective({ split_axis: 0, concat_axis: 1, axis_size: 3, tiled: false }, () => [f32(3, 3)]),
  // A mesh needs the devices, which exist once the runtime started: built when the spec runs.
  shard_map: {
    inputs: () => [f32(4, 3)],
    get params() {
      const mesh = jax.makeMesh([2], ["i"]);
      const body = new ClosedJaxpr(jax.makeJaxpr((a: Array) => [np.sin(a).sum(0, { keepdims: true })])(f32(2, 3)).jaxpr, []);
      return { jaxpr: body, mesh, in_specs: [jax.P("i")], out_specs: [jax.P("i")], check_vma: false, name: "f" };
    },
  },
  cond: { inputs: () => [np.array(1, { dtype: "int32" }), f32(3)], params: { branches: [callJaxpr(), closedOf((a) => [a.mul(2)], f32(3))] } },
  while: { inputs: () => [i32()], params: { cond_jaxpr: closedOf((i) => [i.lt(5)], i32()), body_jaxpr: closedOf((i) => [i.add(1)], i32()), cond_nconsts: 0, body_nconsts: 0 } },
  scan: { inputs: () => [f32(3), f32(4, 3)], params: { jaxpr: closedOf((c, x) => [c.add(x), np.sin(x)], f32(3), f32(3)), length: 4, reverse: false, unroll: 1, num_consts: 0, num_carry: 1 } },
} satisfies Record<string, Sample>);
for (const n of FLOAT_UNARY) SAMPLES[n] ??= unary(() => f32(2, 3));
for (const n of NUMERIC_BINARY) SAMPLES[n] ??= binary(() => f32(2, 3), () => f32(1, 3));

describe("primitive checklist", () => {
  const prims = allPrimitives();

  it("has a sample for every primitive", () => {
    const missing = prims.map((p) => p.name).filter((n) => !(n in SAMPLES));
    expect(missing).withContext("add these primitives to SAMPLES in tests/core/primitives.spec.ts").toEqual([]);
  });

  it("has a cpu rule (or an eager impl) for every primitive", () => {
    const missing = prims.filter((p) => !p.rules.cpu && !p.rules.impl).map((p) => p.name);
    expect(missing).toEqual([]);
  });

  // Rules every transformation needs, with the reasons a primitive may lack one.
  const NO_JVP: Record<string, string> = {
    iota: "no operands", axis_index: "no operands",
    custom_lin: "its JVP is JAX's error (can't apply forward-mode autodiff to a custom_vjp function)",
  };
  it("has a jvp rule and a batching rule for every primitive", () => {
    expect(prims.filter((p) => !p.rules.jvp && !(p.name in NO_JVP)).map((p) => p.name)).withContext("missing jvp rules").toEqual([]);
    expect(prims.filter((p) => !p.rules.batch).map((p) => p.name)).withContext("missing batching rules").toEqual([]);
  });

  it("has a transpose rule for every linear primitive", () => {
    const LINEAR = ["neg", "add", "sub", "mul", "div", "real", "imag", "conj", "complex", "convert_element_type", "broadcast_in_dim",
      "reshape", "transpose", "squeeze", "select_n", "reduce_sum", "cumsum", "dot_general", "slice", "dynamic_slice",
      "dynamic_update_slice", "gather", "scatter-add", "concatenate", "pad", "rev", "add_any", "name", "psum", "all_gather", "ppermute", "all_to_all", "shard_map", "psum_invariant", "pvary",
      "reduce_scatter", "jit", "remat2", "custom_lin", "cond", "scan", "while"];
    const byName = new Map(prims.map((p) => [p.name, p]));
    expect(LINEAR.filter((n) => !byName.get(n)?.rules.transpose)).toEqual([]);
  });

  for (const p of prims) {
    it(`${p.name}: abstractEval agrees with evaluation`, () => {
      const sample = SAMPLES[p.name];
      if (!sample) {
        fail(`no sample for ${p.name}`);
        return;
      }
      const inputs = sample.inputs();
      const params = sample.params ?? {};
      if (sample.axisSize) {
        // Per-example avals inside a vmap that binds the axis; outputs gain that axis in front.
        let avals: ShapedArray[] = [];
        const outs = jax.vmap((...xs: Array[]) => {
          avals = p.rules.abstractEval(xs.map((x) => x.aval), params);
          return bind(p, xs, params);
        }, { axisName: "i", axisSize: sample.axisSize })(...inputs) as Array[];
        outs.forEach((o, i) => expect(o.shape).toEqual([sample.axisSize!, ...avals[i].shape]));
        return;
      }
      const avals = p.rules.abstractEval(inputs.map((x) => x.aval), params);
      if (sample.throws) {
        expect(avals.length).toBeGreaterThan(0);
        expect(() => bind(p, inputs, params)).toThrowError(sample.throws);
        return;
      }
      const outs = bind(p, inputs, params);
      expect(outs.length).toBe(avals.length);
      outs.forEach((o, i) => {
        expect(o.shape).withContext(`output ${i} shape`).toEqual(avals[i].shape as number[]);
        expect(o.dtype).withContext(`output ${i} dtype`).toBe(avals[i].dtype);
        expect(o.weakType).withContext(`output ${i} weak type`).toBe(avals[i].weakType);
        // The data really has that many elements.
        const n = o.dataSync().length / (o.dtype === "complex64" ? 2 : 1);
        expect(n).withContext(`output ${i} size`).toBe(o.size);
      });
      // Staging agrees too: the traced jaxpr type-checks with the same output avals.
      const staged = jax.makeJaxpr((...xs: Array[]) => bind(p, xs, params))(...inputs);
      expect(staged.outAvals.map((a) => a.str())).toEqual(avals.map((a) => a.str()));
    });
  }
});
