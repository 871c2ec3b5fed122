// vmap (Autodidax's BatchTrace): each value carries the position of its mapped axis (or none),
// and every primitive's `batch` rule maps batched inputs to batched outputs.

import { declareAs } from "../core/signature.js";
import type { Vmap, VmapOptions } from "./types.js";
import { Array, Tracer } from "../core/array.js";
import { ShapedArray, canonicalAxis } from "../core/aval.js";
import { ValueError } from "../core/errors.js";
import { AxisData, AxisName, Params, Primitive } from "../core/primitive.js";
import { MainTrace, Trace, bind, fullRaise, scalar, setAxisMainResolver, withMainTrace } from "../core/trace.js";
import * as tree from "../core/tree.js";
import { matchAxis, moveaxis } from "./batch_util.js";
import { ClosedJaxpr } from "../core/jaxpr.js";
import { evalJaxpr, traceToJaxpr } from "../core/staging.js";
import { noRule } from "./jvp.js";
import { paramNames } from "./jit.js";
import { withNameTransform } from "./named.js";

export class BatchTracer extends Tracer {
  constructor(
    readonly trace: BatchTrace,
    readonly val: Array,
    readonly bdim: number | null,
  ) {
    super();
  }
  get aval(): ShapedArray {
    const a = this.val.aval;
    if (this.bdim === null) return a;
    return a.withShape(a.shape.filter((_, i) => i !== this.bdim));
  }
  override fullLower(): Array {
    return this.bdim === null ? (this.val instanceof Tracer ? this.val.fullLower() : this.val) : this;
  }
}

export class BatchTrace extends Trace {
  get axisData(): AxisData {
    return this.main.globalData as AxisData;
  }
  pure(x: Array | number | boolean): Array {
    return new BatchTracer(this, x instanceof Array ? x : scalar(x), null);
  }
  processPrimitive(prim: Primitive, tracers: Array[], params: Params): Array[] {
    const ts = tracers as BatchTracer[];
    const vals = ts.map((t) => t.val);
    const dims = ts.map((t) => t.bdim);
    // A collective over this axis acts even on values that do not vary along it.
    if (dims.every((d) => d === null) && !collectiveOver(params, this.axisData)) {
      return bind(prim, vals, params).map((v) => new BatchTracer(this, v, null));
    }
    if (!prim.rules.batch) throw noRule("Batching", prim);
    const [outs, odims] = prim.rules.batch(vals, dims, params, this.axisData);
    return outs.map((v, i) => new BatchTracer(this, v, odims[i]));
  }
}

/**
 * An axis bound by an enclosing vmap, with the trace that maps over it; or a mesh axis of an
 * enclosing shardMap body being traced (`main` null): collectives over it are staged into the
 * body, to run across the devices.
 */
export interface AxisFrame {
  data: AxisData;
  main: MainTrace | null;
  /** A shardMap body traced with checkVma: its values are typed by the mesh axes they vary over. */
  typed?: boolean;
}

/** Axis names bound by enclosing vmaps and shardMaps (innermost last), for collectives and their errors. */
export const axisEnv: AxisFrame[] = [];

/** Runs `fn` with the mesh axes of a shardMap bound (its body is traced per device: see shard_map.ts). */
export function withManualAxes<T>(axes: readonly { name: AxisName; size: number }[], fn: () => T, typed = false): T {
  const depth = axisEnv.length;
  for (const a of axes) axisEnv.push({ data: { size: a.size, name: a.name, spmdName: null }, main: null, typed });
  try {
    return fn();
  } finally {
    axisEnv.length = depth;
  }
}

/** The innermost binding of `name`, or undefined. */
export function lookupAxis(name: AxisName): AxisFrame | undefined {
  for (let i = axisEnv.length - 1; i >= 0; i--) if (axisEnv[i].data.name === name) return axisEnv[i];
  return undefined;
}

// The innermost vmap binding any axis a collective names.
setAxisMainResolver((params) => {
  if (!globalThis.Array.isArray(params.axis_name) || !axisEnv.length) return null;
  let best: MainTrace | null = null;
  for (const name of params.axis_name as AxisName[]) {
    const f = lookupAxis(name);
    if (f?.main && (!best || f.main.level > best.level)) best = f.main;
  }
  return best;
});

/** Whether `params` name `axis` in a collective's `axes`. */
function collectiveOver(params: Params, axis: AxisData): boolean {
  return axis.name !== null && globalThis.Array.isArray(params.axis_name) && params.axis_name.includes(axis.name);
}

/** Runs flat `f` with inputs mapped along `dims`; returns outputs and their mapped axes. */
export function batchFlat(
  f: (...xs: Array[]) => (Array | number | boolean)[],
  vals: Array[],
  dims: (number | null)[],
  axis: AxisData,
): [Array[], (number | null)[]] {
  return withMainTrace(BatchTrace, axis, (main: MainTrace) => {
    axisEnv.push({ data: axis, main });
    try {
      const trace = new BatchTrace(main);
      const ins = vals.map((v, i) => new BatchTracer(trace, v, dims[i]));
      const outs = withNameTransform("vmap", () => f(...ins)).map((o) => fullRaise(trace, o) as BatchTracer);
      return [outs.map((o) => o.val), outs.map((o) => o.bdim)];
    } finally {
      axisEnv.pop();
    }
  });
}

export type { VmapOptions } from "./types.js";

function checkAxisSpec(a: unknown, what: string): number | null {
  if (a === null || a === undefined) return null;
  if (typeof a !== "number" || !Number.isInteger(a)) {
    throw new ValueError(`vmap ${what} must be an int, None, or (nested) container with those types as leaves, but got ${String(a)}.`);
  }
  return a;
}

const typeStr = (x: Array) => `${x.dtype}[${x.shape.join(",")}]`;

function vmapImpl<F extends (...args: any[]) => any>(fun: F, opts: VmapOptions = {}): F {
  const { inAxes = 0, outAxes = 0, axisName = null, axisSize = null, spmdAxisName = null } = opts;
  if (globalThis.Array.isArray(inAxes) === false && inAxes !== null && typeof inAxes === "object" && !(inAxes.constructor === Object)) {
    throw new ValueError(`vmap in_axes must be an int, None, or a tuple of entries corresponding to the positional arguments passed to the function, but got ${String(inAxes)}.`);
  }
  const name = fun.name || "<lambda>";
  const mapped = function (this: unknown, ...args: any[]) {
    if (globalThis.Array.isArray(inAxes) && inAxes.length !== args.length) {
      throw new ValueError(
        `vmap in_axes must be an int, None, or a tuple of entries corresponding to the positional arguments passed to the function, but got len(in_axes)=${inAxes.length}, len(args)=${args.length}`,
      );
    }
    const [leaves, inTree] = tree.flatten(args);
    const axesPrefix = globalThis.Array.isArray(inAxes) ? inAxes : args.map(() => inAxes);
    const leafAxes = tree.broadcastPrefix(axesPrefix, args, "vmap in_axes").map((a) => checkAxisSpec(a, "in_axes"));
    const vals = leaves.map((l) => (l instanceof Array ? l : scalar(l)));
    const dims = vals.map((v, i) => {
      const a = leafAxes[i];
      if (a === null) return null;
      if (a < -v.ndim || a >= v.ndim) {
        throw new ValueError(
          `vmap was requested to map its argument along axis ${a}, which implies that its rank should be at least ${a < 0 ? -a : a + 1}, but is only ${v.ndim} (its shape is (${v.shape.join(", ")}${v.ndim === 1 ? "," : ""}))`,
        );
      }
      return a < 0 ? a + v.ndim : a;
    });
    const size = axisSizeOf(vals, dims, axisSize, leaves.length === 0, () => leafNames(fun, args));
    let outTree: tree.TreeDef | undefined;
    const [outs, odims] = batchFlat(
      (...xs) => {
        const [o, t] = tree.flatten(fun.apply(this, tree.unflatten(inTree, xs)));
        outTree = t;
        return o;
      },
      vals,
      dims,
      { size, name: axisName, spmdName: spmdAxisName },
    );
    const outSpec = tree.broadcastPrefix(outAxes, tree.unflatten(outTree!, outs), "vmap out_axes").map((a) => checkAxisSpec(a, "out_axes"));
    const results = outs.map((o, i) => {
      const want = outSpec[i];
      if (want === null) {
        if (odims[i] !== null) throw new ValueError(`vmap has mapped output but out_axes is None (output ${i} of ${name}).`);
        return o;
      }
      const nd = o.ndim + (odims[i] === null ? 1 : 0);
      return matchAxis(o, odims[i], size, canonicalAxis(want, nd, "vmap out_axes"));
    });
    return tree.unflatten(outTree!, results);
  };
  Object.defineProperty(mapped, "name", { value: `vmap(${name})` });
  return mapped as unknown as F;
}

/** JAX's names for argument leaves in errors: `argument x['a'][0]`, or `args[1]` for unnamed ones. */
function leafNames(fun: Function, args: any[]): string[] {
  const names = paramNames(fun);
  const rest = /^[^(]*\(\s*\.\.\./.test(fun.toString()) || /^\s*\(?\s*\.\.\./.test(fun.toString());
  const out: string[] = [];
  const walk = (x: any, path: string) => {
    if (globalThis.Array.isArray(x)) x.forEach((c, i) => walk(c, `${path}[${i}]`));
    else if (x && typeof x === "object" && Object.getPrototypeOf(x) === Object.prototype) Object.keys(x).sort().forEach((k) => walk(x[k], `${path}['${k}']`));
    else if (x !== null && x !== undefined) out.push(path);
  };
  args.forEach((a, i) => walk(a, !rest && names[i] ? `argument ${names[i]}` : i === 0 && names[0] ? `argument ${names[0]}` : `args[${i}]`));
  return out;
}

function axisSizeOf(vals: Array[], dims: (number | null)[], axisSize: number | null, noArgs: boolean, names: () => string[]): number {
  const sizes = vals.map((v, i) => (dims[i] === null ? null : v.shape[dims[i]!]));
  const present = sizes.filter((s): s is number => s !== null);
  if (axisSize !== null && axisSize !== undefined) {
    if (present.some((s) => s !== axisSize)) {
      throw new ValueError(`vmap got inconsistent sizes for array axes to be mapped: axis_size=${axisSize} but mapped argument axes have sizes ${[...new Set(present)].join(", ")}.`);
    }
    return axisSize;
  }
  if (!present.length) {
    throw new ValueError(
      noArgs
        ? "vmap wrapped function must be passed at least one argument containing an array, got empty *args=() and **kwargs={}"
        : "vmap must have at least one non-None value in in_axes",
    );
  }
  if (present.some((s) => s !== present[0])) {
    const leafName = names();
    const counts = new Map<number, number>();
    present.forEach((s) => counts.set(s, (counts.get(s) ?? 0) + 1));
    const most = Math.max(...counts.values());
    const lines = [...counts].map(([sz, n]) => {
      const i = sizes.indexOf(sz);
      const where = `axis ${dims[i]} of ${leafName[i]} of type ${typeStr(vals[i])}`;
      return n === 1 ? `  * one axis had size ${sz}: ${where}` : `  * ${n === most ? "most" : "some"} axes (${n} of them) had size ${sz}, e.g. ${where}`;
    });
    throw new ValueError(`vmap got inconsistent sizes for array axes to be mapped:\n${lines.join(";\n")}`);
  }
  return present[0];
}

/**
 * The batched version of a jaxpr, for call primitives' rules: inputs mapped along `dims`;
 * mapped outputs come out with their mapped axis first (`outDims` 0), others unmapped (null).
 */
export function batchJaxpr(closed: ClosedJaxpr, dims: (number | null)[], axis: AxisData): { jaxpr: ClosedJaxpr; outDims: (number | null)[] } {
  const inAvals = closed.jaxpr.inAvals.map((a, i) => {
    const d = dims[i];
    if (d === null) return a;
    const shape = [...a.shape];
    shape.splice(d, 0, axis.size);
    return a.withShape(shape);
  });
  let outDims: (number | null)[] = [];
  const { jaxpr, consts } = traceToJaxpr((...xs) => {
    const [outs, od] = batchFlat((...ins) => evalJaxpr(closed.jaxpr, closed.consts, ins), xs, dims, axis);
    outDims = od.map((d) => (d === null ? null : 0));
    return outs.map((o, i) => (od[i] === null ? o : moveaxis(o, od[i]!, 0)));
  }, inAvals);
  return { jaxpr: new ClosedJaxpr(jaxpr, consts), outDims };
}

// ---- the public, checked entry points ----

/**
 * Vectorising map: `vmap(f)(xs)` applies `f` to each slice of `xs` along `inAxes`, at once.
 * @example jax.vmap((x, y) => x.mul(y), {inAxes: [0, null]})(np.ones([5, 3]), np.arange(3))
 */
export const vmap: Vmap = declareAs("jax.vmap", "fun:fn, inAxes?, outAxes?, axisName?, axisSize?:int, spmdAxisName?", "inAxes outAxes axisName axisSize spmdAxisName", vmapImpl);
