// jit's `abstractedAxes`: a program traced once runs for any size of the named axes.
//
// The function is traced a few times at sentinel sizes (all names at a base size, then each
// name moved alone, then all moved together as a check). Every number that differs between
// the traces (shapes, params such as reshape sizes or slice limits, literals such as a mean's
// divisor) must be an affine function of the named sizes (or c/n for float literals); that
// function is solved for, and each new size gets a jaxpr specialised from this template
// without calling the user's function again.

import { ShapedArray } from "../core/aval.js";
import { ValueError } from "../core/errors.js";
import { Atom, ClosedJaxpr, Jaxpr, JaxprEqn, Literal, Var } from "../core/jaxpr.js";
import * as tree from "../core/tree.js";

/** Per argument leaf: axis index -> name. */
export type LeafAxes = Map<number, string>;

/**
 * Resolves the user's spec (a prefix of the arguments whose leaves are `{axis: name}` objects
 * or arrays of names/null per axis, as JAX took them) to per-leaf axis names.
 */
export function leafAxesOf(spec: unknown, args: unknown[], ndims: number[]): LeafAxes[] {
  const isSpecLeaf = (x: any) => x === null || x === undefined || typeof x === "string" ||
    (globalThis.Array.isArray(x) && x.every((n) => n === null || typeof n === "string")) ||
    (typeof x === "object" && !globalThis.Array.isArray(x) && Object.keys(x).every((k) => /^-?\d+$/.test(k)) && Object.keys(x).length > 0);
  const perArg = globalThis.Array.isArray(spec) && spec.length === args.length && !spec.every((n) => n === null || typeof n === "string") ? spec : args.map(() => spec);
  const leafSpecs = tree.broadcastPrefix(perArg, args, "abstractedAxes", undefined, isSpecLeaf);
  return leafSpecs.map((s: any, i: number) => {
    const m: LeafAxes = new Map();
    if (s === null || s === undefined) return m;
    const nd = ndims[i];
    const put = (axis: number, name: string | null) => {
      if (name === null) return;
      const a = axis < 0 ? axis + nd : axis;
      if (a < 0 || a >= nd) throw new ValueError(`abstractedAxes names axis ${axis} of an argument of rank ${nd}.`);
      m.set(a, name);
    };
    if (typeof s === "string") put(0, s);
    else if (globalThis.Array.isArray(s)) s.forEach((n: string | null, a: number) => put(a, n));
    else for (const [k, n] of Object.entries(s)) put(Number(k), n as string);
    return m;
  });
}

const BASE = [211, 223, 227, 229, 233, 239, 241, 251];
const STEP = 6;

type Fn<T> = (sizes: number[]) => T;

/** A jaxpr whose numbers are functions of the abstract sizes. */
export class JaxprTemplate {
  private readonly build: Fn<ClosedJaxpr>;
  private readonly cache = new Map<string, ClosedJaxpr>();

  constructor(readonly names: string[], traces: ClosedJaxpr[]) {
    this.build = zipClosed(traces, names.length);
  }

  specialize(sizes: number[]): ClosedJaxpr {
    const key = sizes.join(",");
    let j = this.cache.get(key);
    if (!j) this.cache.set(key, (j = this.build(sizes)));
    return j;
  }
}

const checkSizes = (base: number[]) => base.map((b, i) => b + STEP * (i + 2));

/** The sizes each trace uses: base, each name moved alone, all moved (the check). */
export function traceSizes(k: number): number[][] {
  const base = BASE.slice(0, k);
  if (k > BASE.length) throw new ValueError(`abstractedAxes supports at most ${BASE.length} distinct names.`);
  // The check point moves every name by a different multiple of STEP, off the other points.
  return [base, ...base.map((_, i) => base.map((b, j) => (i === j ? b + STEP : b))), checkSizes(base)];
}

function fail(what: string): never {
  throw new ValueError(
    `abstractedAxes: ${what}. The program must depend on the abstracted sizes only through shapes and affine size arithmetic ` +
      "(e.g. n, 2*n, n-1, a mean's divisor); drop abstractedAxes for this function or make that dependence static.",
  );
}

/** A number as a function of the sizes, from its values in the traces. */
function zipNumber(vals: number[], k: number, isInt: boolean): Fn<number> {
  if (vals.every((v) => Object.is(v, vals[0]) || (Number.isNaN(v) && Number.isNaN(vals[0])))) return () => vals[0];
  const base = BASE.slice(0, k);
  const coef = base.map((_, i) => (vals[1 + i] - vals[0]) / STEP);
  const offset = vals[0] - coef.reduce((s, a, i) => s + a * base[i], 0);
  const affine = (sz: number[]) => offset + coef.reduce((s, a, i) => s + a * sz[i], 0);
  const check = vals[k + 1];
  const close = (a: number, b: number) => Math.abs(a - b) <= 1e-6 * Math.max(1, Math.abs(b));
  const allMoved = checkSizes(base);
  if (isInt) {
    if (coef.every(Number.isInteger) && Number.isInteger(offset) && affine(allMoved) === check) return affine;
    fail(`a size-dependent value (${vals[0]} at size ${base.join("x")}) is not an affine function of the sizes`);
  }
  if (close(affine(allMoved), check)) return affine;
  // c / n for one name (1/n scalings).
  for (let i = 0; i < k; i++) {
    const c = vals[0] * base[i];
    const recip = (sz: number[]) => c / sz[i];
    if (vals.every((v, t) => close(v, recip(traceSizes(k)[t])))) return recip;
  }
  fail(`a literal (${vals[0]}) depends on the sizes in a way that is neither affine nor a reciprocal`);
}

function zipValue(vals: unknown[], k: number): Fn<unknown> {
  const v0 = vals[0];
  if (typeof v0 === "number") return zipNumber(vals as number[], k, Number.isInteger(v0) && vals.every((v) => Number.isInteger(v)));
  if (v0 instanceof ShapedArray) {
    const shape = zipValue(vals.map((a) => [...(a as ShapedArray).shape]), k);
    return (sz) => new ShapedArray(shape(sz) as number[], v0.dtype, v0.weakType);
  }
  if (v0 instanceof ClosedJaxpr) return zipClosed(vals as ClosedJaxpr[], k);
  if (globalThis.Array.isArray(v0)) {
    if (vals.some((v) => !globalThis.Array.isArray(v) || v.length !== v0.length)) fail("the program's structure changes with the sizes");
    const parts = v0.map((_, i) => zipValue(vals.map((v) => (v as unknown[])[i]), k));
    return (sz) => parts.map((p) => p(sz));
  }
  if (v0 && typeof v0 === "object" && Object.getPrototypeOf(v0) === Object.prototype) {
    const keys = Object.keys(v0);
    const parts = keys.map((key) => zipValue(vals.map((v) => (v as Record<string, unknown>)[key]), k));
    return (sz) => Object.fromEntries(keys.map((key, i) => [key, parts[i](sz)]));
  }
  // Functions, dtypes, strings, policies: taken from the first trace.
  return () => v0;
}

function zipClosed(traces: ClosedJaxpr[], k: number): Fn<ClosedJaxpr> {
  const consts = traces[0].consts;
  if (traces.some((t) => t.consts.length !== consts.length || t.consts.some((c, i) => c !== consts[i]))) {
    fail("the program closes over arrays whose shapes depend on the sizes");
  }
  const jaxpr = zipJaxpr(traces.map((t) => t.jaxpr), k);
  return (sz) => new ClosedJaxpr(jaxpr(sz), consts);
}

function zipJaxpr(js: Jaxpr[], k: number): Fn<Jaxpr> {
  const j0 = js[0];
  const same = (f: (j: Jaxpr) => number) => js.every((j) => f(j) === f(j0));
  if (!same((j) => j.eqns.length) || !same((j) => j.invars.length) || !same((j) => j.constvars.length) || !same((j) => j.outvars.length)) {
    fail("the program's structure changes with the sizes");
  }
  const varAval = new Map<Var, Fn<unknown>>();
  const addVars = (vs: Var[][]) => vs[0].forEach((v, i) => varAval.set(v, zipValue(vs.map((x) => x[i].aval), k)));
  addVars(js.map((j) => j.constvars));
  addVars(js.map((j) => j.invars));
  const eqns = j0.eqns.map((e, n) => {
    const es = js.map((j) => j.eqns[n]);
    if (es.some((x) => x.primitive !== e.primitive || x.inputs.length !== e.inputs.length || x.outvars.length !== e.outvars.length)) {
      fail(`the program's structure changes with the sizes (at ${e.primitive.name})`);
    }
    addVars(es.map((x) => x.outvars));
    const params = zipValue(es.map((x) => x.params), k);
    const ins = e.inputs.map((a, i) => atomFn(es.map((x) => x.inputs[i]), k));
    return { e, params, ins };
  });
  const outs = j0.outvars.map((a, i) => atomFn(js.map((j) => j.outvars[i]), k));
  return (sz) => {
    const vmap = new Map<Var, Var>();
    const v = (x: Var) => {
      let y = vmap.get(x);
      if (!y) vmap.set(x, (y = new Var(varAval.get(x)!(sz) as ShapedArray)));
      return y;
    };
    const atom = (f: Fn<Atom | Var>): Atom => {
      const a = f(sz);
      return a instanceof Var ? v(a) : a;
    };
    const newEqns = eqns.map(({ e, params, ins }) =>
      new JaxprEqn(e.primitive, ins.map(atom), params(sz) as Record<string, unknown>, e.outvars.map(v), e.nameStack));
    return new Jaxpr(j0.constvars.map(v), j0.invars.map(v), newEqns, outs.map(atom));
  };
}

/** An input atom: the first trace's variable, or a literal whose value may depend on the sizes. */
function atomFn(as: Atom[], k: number): Fn<Atom | Var> {
  const a0 = as[0];
  if (a0 instanceof Var) {
    if (as.some((a) => !(a instanceof Var))) fail("the program's structure changes with the sizes");
    return () => a0;
  }
  if (as.some((a) => !(a instanceof Literal))) fail("the program's structure changes with the sizes");
  const lits = as as Literal[];
  if (typeof a0.val === "boolean") return () => a0;
  const val = zipNumber(lits.map((l) => Number(l.val)), k, lits.every((l) => Number.isInteger(Number(l.val))) && !a0.aval.dtype.startsWith("float"));
  return (sz) => new Literal(val(sz), a0.aval);
}
