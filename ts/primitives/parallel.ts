// Named-axis collectives (psum, pmax, pmin, all_gather, reduce_scatter, axis_index). They act
// over axes bound by an enclosing vmap (and later pmap): the batching rule is where they
// compute; anywhere else an unbound name is an error.

import { Array } from "../core/array.js";
import { ShapedArray } from "../core/aval.js";
import { UnboundAxisError, ValueError } from "../core/errors.js";
import { AxisData, AxisName, Params, Primitive } from "../core/primitive.js";
import { bind1, scalar } from "../core/trace.js";
import { broadcastAxis, moveaxis } from "../transforms/batch_util.js";
import { lookupAxis } from "../transforms/vmap.js";
import { concatenate, slice } from "./indexing.js";
import { broadcastInDim, convertElementType, iota, reshape } from "./layout.js";
import { eq, mul } from "./math.js";
import { reduceMax, reduceMin, reduceSum } from "./reduce.js";

interface CollectiveParams {
  axis_name: AxisName[];
}

function checkBound(names: AxisName[]): void {
  for (const n of names) if (!lookupAxis(n)) throw new UnboundAxisError(n);
}

const unbound = (params: Params): never => {
  checkBound(params.axis_name);
  throw new UnboundAxisError(params.axis_name[0]);
};

/** The names other than the one this vmap binds (they are reduced by enclosing maps). */
const others = (names: AxisName[], axis: AxisData) => names.filter((n) => n !== axis.name);

type Reducer = Primitive<{ axes: number[]; out_sharding: null }>;

function reductionCollective(name: string, reducer: Reducer, unmapped: (x: Array, size: number) => Array): Primitive<CollectiveParams> {
  const prim: Primitive<CollectiveParams> = new Primitive<CollectiveParams>(name, {
    abstractEval([x], { axis_name }) {
      checkBound(axis_name);
      return [x];
    },
    impl: (_, params) => unbound(params),
    cpu: (_, params) => unbound(params),
    batch([x], [d], params, axis) {
      if (!params.axis_name.includes(axis.name!)) return [[bind1(prim, [x], params)], [d]];
      let out = d === null ? unmapped(x, axis.size) : bind1(reducer, [x], { axes: [d], out_sharding: null });
      const rest = others(params.axis_name, axis);
      if (rest.length) out = bind1(prim, [out], { axis_name: rest });
      return [[out], [null]];
    },
    printParams: ({ axis_name }) => ({ axes: axis_name, axis_index_groups: null }),
  });
  return prim;
}

export const psumP: Primitive<CollectiveParams> = reductionCollective("psum", reduceSum as Reducer, (x, n) => bind1(mul, [x, scalar(n, x.dtype, x.weakType)]));
export const pmaxP: Primitive<CollectiveParams> = reductionCollective("pmax", reduceMax as Reducer, (x) => x);
export const pminP: Primitive<CollectiveParams> = reductionCollective("pmin", reduceMin as Reducer, (x) => x);

/**
 * Inside a shardMap body with checkVma, psum of a value that varies over the axes gives a value
 * invariant over them (JAX's psum_invariant): one value, so its cotangent is not summed again
 * (its transpose is pvary). pvary marks an invariant value as varying (JAX inserts it where an
 * invariant value meets varying ones): its transpose sums the devices' cotangents.
 */
export const psumInvariantP: Primitive<CollectiveParams> = reductionCollective("psum_invariant", reduceSum as Reducer, (x, n) => bind1(mul, [x, scalar(n, x.dtype, x.weakType)]));
psumInvariantP.rules.printParams = ({ axis_name }) => ({ axes: axis_name });

export const pvaryP: Primitive<CollectiveParams> = new Primitive<CollectiveParams>("pvary", {
  abstractEval([x], { axis_name }) {
    checkBound(axis_name);
    return [x];
  },
  impl: (_, params) => unbound(params),
  cpu: (_, params) => unbound(params),
  // Over the axis it names, every member already holds its value: nothing to compute; other
  // axes (a vmap around a shardMap body) keep it, for differentiation.
  batch([x], [d], params, axis) {
    const rest = others(params.axis_name, axis);
    return [[rest.length ? bind1(pvaryP, [x], { axis_name: rest }) : x], [d]];
  },
  printParams: ({ axis_name }) => ({ axes: axis_name }),
});

psumInvariantP.rules.jvp = ([x], [t], params) => [[bind1(psumInvariantP, [x], params)], [t === null ? null : bind1(psumInvariantP, [t], params)]];
psumInvariantP.rules.transpose = ([ct], _, params) => [bind1(pvaryP, [ct], params)];
pvaryP.rules.jvp = ([x], [t], params) => [[bind1(pvaryP, [x], params)], [t === null ? null : bind1(pvaryP, [t], params)]];
pvaryP.rules.transpose = ([ct], _, params) => [bind1(psumInvariantP, [ct], params)];

psumP.rules.jvp = ([x], [t], params) => [[bind1(psumP, [x], params)], [t === null ? null : bind1(psumP, [t], params)]];
// JAX 0.10's psum_p: psum is psum followed by a broadcast to every member, so its transpose
// sums the members' cotangents again (`vmap(grad(x => psum(x, "i")))` gives the axis size).
psumP.rules.transpose = ([ct], _, params) => [bind1(psumP, [ct], params)];

// d pmax: the tangent where x attains the maximum, averaged over the positions that tie.
for (const p of [pmaxP, pminP]) {
  p.rules.jvp = ([x], [t], params) => {
    const y = bind1(p, [x], params);
    if (t === null) return [[y], [null]];
    const hit = bind1(convertElementType, [bind1(eq, [x, y])], { new_dtype: t.dtype, weak_type: false });
    const num = bind1(psumP, [bind1(mul, [t, hit])], params);
    const cnt = bind1(psumP, [hit], params);
    return [[y], [num.div(cnt)]];
  };
}

interface GatherParams extends CollectiveParams {
  all_gather_dimension: number;
  axis_size: number;
  tiled: boolean;
}

function gatherShape(x: ShapedArray, { all_gather_dimension: d, axis_size: n, tiled }: GatherParams): number[] {
  const s = [...x.shape];
  if (tiled) s[d] *= n;
  else s.splice(d, 0, n);
  return s;
}

export const allGatherP: Primitive<GatherParams> = new Primitive<GatherParams>("all_gather", {
  abstractEval([x], params) {
    checkBound(params.axis_name);
    return [new ShapedArray(gatherShape(x, params), x.dtype, x.weakType)];
  },
  impl: (_, params) => unbound(params),
  cpu: (_, params) => unbound(params),
  jvp: ([x], [t], params) => [[bind1(allGatherP, [x], params)], [t === null ? null : bind1(allGatherP, [t], params)]],
  transpose: ([ct], _, params) => [bind1(reduceScatterP, [ct], { axis_name: params.axis_name, scatter_dimension: params.all_gather_dimension, axis_size: params.axis_size, tiled: params.tiled })],
  batch([x], [d], params, axis) {
    if (!params.axis_name.includes(axis.name!) || params.axis_name.length > 1) {
      if (params.axis_name.length > 1) throw new ValueError("all_gather over several axis names at once is not supported yet.");
      return [[bind1(allGatherP, [x], params)], [d]];
    }
    const gd = params.all_gather_dimension;
    let out = d === null ? broadcastAxis(x, axis.size, gd) : moveaxis(x, d, gd);
    if (params.tiled) {
      const s = [...out.shape];
      s.splice(gd, 2, s[gd] * s[gd + 1]);
      out = bind1(reshape, [out], { new_sizes: s, dimensions: null, sharding: null });
    }
    return [[out], [null]];
  },
  printParams: ({ all_gather_dimension, axis_name, axis_size, tiled }) => ({ all_gather_dimension, axis_index_groups: null, axis_name, axis_size, tiled }),
});

interface ScatterParams extends CollectiveParams {
  scatter_dimension: number;
  axis_size: number;
  tiled: boolean;
}

export const reduceScatterP: Primitive<ScatterParams> = new Primitive<ScatterParams>("reduce_scatter", {
  abstractEval([x], { axis_name, scatter_dimension: d, axis_size: n, tiled }) {
    checkBound(axis_name);
    if (tiled ? x.shape[d] % n !== 0 : x.shape[d] !== n) {
      throw new ValueError(`psumScatter: dimension ${d} of ${x.str()} must ${tiled ? "be divisible by" : "equal"} the axis size ${n}.`);
    }
    const s = [...x.shape];
    if (tiled) s[d] /= n;
    else s.splice(d, 1);
    return [new ShapedArray(s, x.dtype, x.weakType)];
  },
  impl: (_, params) => unbound(params),
  cpu: (_, params) => unbound(params),
  jvp: ([x], [t], params) => [[bind1(reduceScatterP, [x], params)], [t === null ? null : bind1(reduceScatterP, [t], params)]],
  transpose: ([ct], _, params) => [bind1(allGatherP, [ct], { axis_name: params.axis_name, all_gather_dimension: params.scatter_dimension, axis_size: params.axis_size, tiled: params.tiled })],
  batch([x], [d], params, axis) {
    if (!params.axis_name.includes(axis.name!) || params.axis_name.length > 1) {
      if (params.axis_name.length > 1) throw new ValueError("psumScatter over several axis names at once is not supported yet.");
      return [[bind1(reduceScatterP, [x], params)], [d]];
    }
    const summed = d === null ? bind1(mul, [x, scalar(axis.size, x.dtype, x.weakType)]) : bind1(reduceSum, [x], { axes: [d], out_sharding: null });
    const sd = params.scatter_dimension;
    if (!params.tiled) return [[summed], [sd]];
    const s = [...summed.shape];
    s.splice(sd, 1, axis.size, s[sd] / axis.size);
    return [[bind1(reshape, [summed], { new_sizes: s, dimensions: null, sharding: null })], [sd]];
  },
  printParams: ({ axis_name, axis_size, scatter_dimension, tiled }) => ({ axis_index_groups: null, axis_name, axis_size, scatter_dimension, tiled }),
});

export const axisIndexP: Primitive<CollectiveParams> = new Primitive<CollectiveParams>("axis_index", {
  abstractEval(_, { axis_name }) {
    checkBound(axis_name);
    return [new ShapedArray([], "int32")];
  },
  impl: (_, params) => unbound(params),
  cpu: (_, params) => unbound(params),
  batch(_, __, params, axis) {
    return [[bind1(iota, [], { dtype: "int32", shape: [axis.size], dimension: 0, sharding: null })], [0]];
  },
  printParams: ({ axis_name }) => ({ axis_name: axis_name[0] }),
});

interface PpermuteParams {
  axis_name: AxisName[];
  /** [source, destination] pairs of positions along the axis; each appears at most once on each side. */
  perm: [number, number][];
}

function checkPerm(perm: [number, number][], size: number | null): void {
  const src = perm.map((p) => p[0]), dst = perm.map((p) => p[1]);
  if (new Set(src).size !== src.length || new Set(dst).size !== dst.length) {
    throw new ValueError(`ppermute sources and destinations must be unique, got (${perm.map((p) => `(${p[0]}, ${p[1]})`).join(", ")}${perm.length === 1 ? "," : ""}).`);
  }
  const bad = perm.flat().find((i) => !Number.isInteger(i) || i < 0 || (size !== null && i >= size));
  if (bad !== undefined) throw new ValueError(`ppermute: position ${bad} is outside the axis (of size ${size}); perm pairs are [source, destination] positions along it.`);
}

const sliceAlong = (x: Array, axis: number, i: number) =>
  bind1(slice, [x], { start_indices: x.shape.map((_, d) => (d === axis ? i : 0)), limit_indices: x.shape.map((n, d) => (d === axis ? i + 1 : n)), strides: null });

/** Sends each member's value to the member `perm` names (members that receive nothing get zeros). */
export const ppermuteP: Primitive<PpermuteParams> = new Primitive<PpermuteParams>("ppermute", {
  abstractEval([x], { axis_name, perm }) {
    checkBound(axis_name);
    checkPerm(perm, axis_name.length === 1 ? lookupAxis(axis_name[0])!.data.size : null);
    return [x];
  },
  impl: (_, params) => unbound(params),
  cpu: (_, params) => unbound(params),
  jvp: ([x], [t], params) => [[bind1(ppermuteP, [x], params)], [t === null ? null : bind1(ppermuteP, [t], params)]],
  // Linear: the transpose sends cotangents back along the same pairs.
  transpose: ([ct], _, { axis_name, perm }) => [bind1(ppermuteP, [ct], { axis_name, perm: perm.map(([s, d]) => [d, s]) })],
  batch([x], [d], params, axis) {
    if (!params.axis_name.includes(axis.name!)) return [[bind1(ppermuteP, [x], params)], [d]];
    if (params.axis_name.length > 1) throw new ValueError("ppermute over several axis names at once is not supported by webjax; permute over one axis at a time.");
    const xb = d === null ? broadcastAxis(x, axis.size, 0) : x;
    const bd = d ?? 0;
    const from = new Map(params.perm.map(([s, t]) => [t, s]));
    const zeroShape = xb.shape.map((n, k) => (k === bd ? 1 : n));
    const zero = () => bind1(broadcastInDim, [scalar(0, xb.dtype, false)], { shape: zeroShape, broadcast_dimensions: [], sharding: null });
    const parts = globalThis.Array.from({ length: axis.size }, (_, j) => (from.has(j) ? sliceAlong(xb, bd, from.get(j)!) : zero()));
    return [[bind1(concatenate, parts, { dimension: bd })], [bd]];
  },
  printParams: ({ axis_name, perm }) => ({ axis_name: axis_name.length === 1 ? axis_name[0] : axis_name, perm }),
});

interface AllToAllParams {
  axis_name: AxisName[];
  split_axis: number;
  concat_axis: number;
  axis_size: number;
  tiled: boolean;
}

function allToAllShape(x: ShapedArray, { split_axis: s, concat_axis: c, axis_size: n, tiled, axis_name }: AllToAllParams): number[] {
  if (tiled) {
    if (x.shape[s] % n !== 0) throw new ValueError(`The size of all_to_all split_axis (${x.shape[s]}) has to be divisible by the size of the named axis ${axis_name.map(String).join(", ")} (${n})`);
    const out = [...x.shape];
    out[s] /= n;
    out[c] *= n;
    return out;
  }
  if (x.shape[s] !== n) {
    throw new ValueError(`all_to_all requires the size of the mapped axis axis_name to equal x.shape[split_axis], but they are ${n} and ${x.shape[s]} respectively.`);
  }
  const out = x.shape.filter((_, i) => i !== s);
  out.splice(c, 0, n);
  return out;
}

/**
 * Member j's result holds chunk j of every member's split axis, in member order along the concat
 * axis (a transpose of the member axis with the split axis).
 */
export const allToAllP: Primitive<AllToAllParams> = new Primitive<AllToAllParams>("all_to_all", {
  abstractEval([x], params) {
    checkBound(params.axis_name);
    return [new ShapedArray(allToAllShape(x, params), x.dtype, x.weakType)];
  },
  impl: (_, params) => unbound(params),
  cpu: (_, params) => unbound(params),
  jvp: ([x], [t], params) => [[bind1(allToAllP, [x], params)], [t === null ? null : bind1(allToAllP, [t], params)]],
  transpose: ([ct], _, params) => [bind1(allToAllP, [ct], { ...params, split_axis: params.concat_axis, concat_axis: params.split_axis })],
  batch([x], [d], params, axis) {
    if (!params.axis_name.includes(axis.name!)) return [[bind1(allToAllP, [x], params)], [d]];
    if (params.axis_name.length > 1) throw new ValueError("all_to_all over several axis names at once is not supported by webjax.");
    const { split_axis: s, concat_axis: c, tiled } = params;
    const n = axis.size;
    // Members first: [member, ...x] with the split axis at 1 + s.
    let y = d === null ? broadcastAxis(x, n, 0) : moveaxis(x, d, 0);
    if (tiled) {
      // The split axis becomes [n chunks, rest]; the chunk axis plays the untiled split axis.
      const shape = [...y.shape];
      shape.splice(1 + s, 1, n, shape[1 + s] / n);
      y = bind1(reshape, [y], { new_sizes: shape, dimensions: null, sharding: null });
    }
    // The chunk axis becomes the member axis, the old member axis goes to the concat position.
    y = moveaxis(y, 1 + s, 0);
    y = moveaxis(y, 1, 1 + c);
    if (tiled) {
      // Merge the members into the concat axis (members major), as the tiled result is laid out.
      const shape = [...y.shape];
      shape.splice(1 + c, 2, shape[1 + c] * shape[2 + c]);
      y = bind1(reshape, [y], { new_sizes: shape, dimensions: null, sharding: null });
    }
    return [[y], [0]];
  },
  printParams: ({ axis_name, split_axis, concat_axis, tiled }) => ({ axis_index_groups: null, axis_name: axis_name.length === 1 ? axis_name[0] : axis_name, concat_axis, split_axis, tiled }),
});
