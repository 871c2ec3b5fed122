// Control flow primitives that carry jaxprs: `cond` (run one of several branches), `while`
// (loop while a predicate holds) and `scan` (loop over leading axes with a carry). Each spells
// out every rule. The loop rules work on the body jaxpr: JVP with a fixpoint on which carries
// have tangents, partial evaluation into a known loop that saves per-iteration residuals and an
// unknown loop that consumes them, transposition by running the transposed body backwards,
// and batching (a batched predicate turns `cond` into a select, `while` into a masked loop).
//
// Invariant: the jaxprs in params have no constants (ClosedJaxpr consts are []); rules that
// trace new jaxprs hoist their constants into leading operands.

import { Array, ConcreteArray } from "../core/array.js";
import { ShapedArray, prod } from "../core/aval.js";
import { getBackend } from "../core/backend.js";
import { isInexact } from "../core/dtype.js";
import { ValueError } from "../core/errors.js";
import { HostArray, hostValues, hostZeros } from "../core/host.js";
import { Atom, ClosedJaxpr, Jaxpr, JaxprEqn, Literal, Var, dce } from "../core/jaxpr.js";
import { AxisData, Params, Primitive, UndefinedPrimal } from "../core/primitive.js";
import { convertConstvars, evalJaxpr, traceToJaxpr } from "../core/staging.js";
import { bind, bind1, executeJaxpr, placement, scalar } from "../core/trace.js";
import { addTangents, isUndefined, zeros } from "../transforms/ad_util.js";
import { bdimToFront, broadcastAxis, moveaxis } from "../transforms/batch_util.js";
import { jvpFlat } from "../transforms/jvp.js";
import { linearizeCall } from "../transforms/linearize.js";
import { EqnSplit, partialEvalJaxpr, registerPartialEval } from "../transforms/partial_eval.js";
import { backwardPass } from "../transforms/transpose.js";
import { batchFlat } from "../transforms/vmap.js";
import { stopGradientP } from "../transforms/stop_gradient.js";
import { broadcastInDim, clamp, selectN } from "./layout.js";
import { eq } from "./math.js";
import { reduceOr } from "./reduce.js";

// ---- jaxpr plumbing shared by the rules ----

const or = (a: boolean[], b: boolean[]) => a.map((x, i) => x || b[i]);
const sameFlags = (a: boolean[], b: boolean[]) => a.every((x, i) => x === b[i]);
const pick = <T>(xs: readonly T[], keep: readonly boolean[]) => xs.filter((_, i) => keep[i]);
const not = (xs: readonly boolean[]) => xs.map((x) => !x);
const count = (xs: readonly boolean[]) => xs.filter(Boolean).length;

/** Traces flat `f` to a constant-free jaxpr plus the constants it closed over (leading inputs). */
function traceHoisted(f: (...xs: Array[]) => (Array | number | boolean)[], avals: readonly ShapedArray[]): { jaxpr: ClosedJaxpr; consts: Array[] } {
  const { jaxpr, consts } = traceToJaxpr(f, avals);
  return { jaxpr: new ClosedJaxpr(convertConstvars(jaxpr), []), consts };
}

/** The same jaxpr with its inputs (and outputs) listed in another order: `order[i]` is the old position. */
function reorder(j: Jaxpr, inOrder: number[] | null, outOrder: number[] | null = null): Jaxpr {
  return new Jaxpr(j.constvars, inOrder ? inOrder.map((i) => j.invars[i]) : j.invars, j.eqns, outOrder ? outOrder.map((i) => j.outvars[i]) : j.outvars);
}

/** Positions of the groups `sizes` (consecutive) rearranged as `perm` lists them. */
function groupOrder(sizes: number[], perm: number[]): number[] {
  const starts = sizes.map((_, i) => sizes.slice(0, i).reduce((a, b) => a + b, 0));
  return perm.flatMap((g) => globalThis.Array.from({ length: sizes[g] }, (_: unknown, k: number) => starts[g] + k));
}

/**
 * JVP of `closed` (inputs: primals, then the tangents marked `nonzeros`) keeping symbolic
 * zeros: outputs are the primal outputs, then the tangents that are non-zero or `instantiate`d.
 */
function jvpJaxprNz(closed: ClosedJaxpr, nonzeros: boolean[], instantiate: boolean[] | boolean) {
  const avals = closed.jaxpr.inAvals;
  let outNz: boolean[] = [];
  const traced = traceHoisted((...xs) => {
    const primals = xs.slice(0, avals.length);
    let k = avals.length;
    const tangents = avals.map((_, i) => (nonzeros[i] ? xs[k++] : null));
    const [outs, touts] = jvpFlat((...ins) => evalJaxpr(closed.jaxpr, closed.consts, ins), primals, tangents);
    const ts = touts.map((t, i) => (t === null && (instantiate === true || (instantiate !== false && instantiate[i])) ? zeros(outs[i].aval) : t));
    outNz = ts.map((t) => t !== null);
    return [...outs, ...(ts.filter((t) => t !== null) as Array[])];
  }, [...avals, ...pick(avals, nonzeros)]);
  return { ...traced, outNz };
}

/**
 * `closed` batched with inputs mapped along `inDims`: batched outputs come out mapped along
 * axis 0; outputs marked `force` are made batched (broadcast) when they are not.
 */
function batchJaxprAt(closed: ClosedJaxpr, inDims: (number | null)[], axis: AxisData, force: boolean[] | boolean) {
  const inAvals = closed.jaxpr.inAvals.map((a, i) => {
    const d = inDims[i];
    if (d === null) return a;
    const shape = [...a.shape];
    shape.splice(d, 0, axis.size);
    return new ShapedArray(shape, a.dtype, a.weakType);
  });
  let outBatched: boolean[] = [];
  const traced = traceHoisted((...xs) => {
    const [outs, od] = batchFlat((...ins) => evalJaxpr(closed.jaxpr, closed.consts, ins), xs, inDims, axis);
    outBatched = od.map((d, i) => d !== null || force === true || (force !== false && force[i]));
    return outs.map((o, i) => (od[i] !== null ? moveaxis(o, od[i]!, 0) : outBatched[i] ? broadcastAxis(o, axis.size, 0) : o));
  }, inAvals);
  return { ...traced, outBatched };
}

/**
 * Branch jaxprs that take the union of their constants as leading inputs (each ignores the
 * others'; one array closed over by several branches is passed once).
 */
export function joinConsts(traced: { jaxpr: ClosedJaxpr; consts: Array[] }[]): { branches: ClosedJaxpr[]; consts: Array[] } {
  const consts: Array[] = [];
  for (const t of traced) for (const c of t.consts) if (!consts.includes(c)) consts.push(c);
  const branches = traced.map(({ jaxpr, consts: own }) => {
    const j = jaxpr.jaxpr;
    const lead = consts.map((c) => {
      const i = own.indexOf(c);
      return i >= 0 ? j.invars[i] : new Var(c.aval);
    });
    return new ClosedJaxpr(new Jaxpr([], [...lead, ...j.invars.slice(own.length)], j.eqns, j.outvars), []);
  });
  return { branches, consts };
}

/** `j` with fresh, unused inputs of the given types inserted at `at`. */
function padInvars(j: Jaxpr, at: number, avals: ShapedArray[]): Jaxpr {
  const invars = [...j.invars];
  invars.splice(at, 0, ...avals.map((a) => new Var(a)));
  return new Jaxpr(j.constvars, invars, j.eqns, j.outvars);
}

/** Zeros of `aval` as an atom of a jaxpr under construction (equations go to `eqns`). */
function zerosAtom(aval: ShapedArray, eqns: JaxprEqn[]): Atom {
  const lit = new Literal(aval.dtype === "bool" ? false : 0, new ShapedArray([], aval.dtype, aval.weakType));
  if (aval.ndim === 0) return lit;
  const v = new Var(aval);
  eqns.push(new JaxprEqn(broadcastInDim, [lit], { shape: [...aval.shape], broadcast_dimensions: [], sharding: null }, [v]));
  return v;
}

const unmapped = (a: ShapedArray) => new ShapedArray(a.shape.slice(1), a.dtype, a.weakType);
const mapped = (a: ShapedArray, n: number) => new ShapedArray([n, ...a.shape], a.dtype, a.weakType);
const typeList = (avals: readonly ShapedArray[]) => avals.map((a) => a.str()).join(" ");

/** The invariant above, checked when an equation is formed. */
function checkNoConsts(name: string, jaxprs: ClosedJaxpr[]): void {
  if (jaxprs.some((j) => j.consts.length || j.jaxpr.constvars.length)) {
    throw new TypeError(`${name}: the jaxprs of control flow primitives take their constants as leading operands (no ClosedJaxpr consts).`);
  }
}

function checkTypes(what: string, expected: readonly ShapedArray[], got: readonly ShapedArray[]): void {
  if (expected.length !== got.length || expected.some((a, i) => !a.sameType(got[i]))) {
    throw new TypeError(`${what}: expected types\n${typeList(expected)}\ngot\n${typeList(got)}`);
  }
}

/** Runs one equation of `prim` on concrete arrays (no program cache: each call has new jaxprs). */
function runOnce(prim: Primitive, args: Array[], params: Params): Array[] {
  const concrete = args as ConcreteArray[];
  const invars = concrete.map((a) => new Var(a.aval));
  const outvars = prim.rules.abstractEval(invars.map((v) => v.aval), params).map((a) => new Var(a));
  const jaxpr = new Jaxpr([], invars, [new JaxprEqn(prim, invars, params, outvars)], outvars);
  return executeJaxpr(jaxpr, concrete);
}

/**
 * Linearization through the primitive's JVP and its jaxpr-level partial evaluation: the known
 * half (primal outputs and residuals) runs now, the tangent half is staged.
 */
function linearizeEqn(prim: Primitive, primals: Array[], tangents: (Array | null)[], params: Params): [Array[], (Array | null)[]] {
  const invars = primals.map((p) => new Var(p.aval));
  const outvars = prim.rules.abstractEval(invars.map((v) => v.aval), params).map((a) => new Var(a));
  const one = new ClosedJaxpr(new Jaxpr([], invars, [new JaxprEqn(prim, invars, params, outvars)], outvars), []);
  return linearizeCall(one, primals, tangents, (half, args) => evalJaxpr(half.jaxpr, half.consts, args));
}

/** Host-array helpers for the reference kernels. */
const width = (d: string) => (d === "complex64" ? 2 : 1);
function hostRow(x: HostArray, i: number): HostArray {
  const shape = x.shape.slice(1);
  const n = prod(shape) * width(x.dtype);
  return { shape, dtype: x.dtype, data: x.data.slice(i * n, (i + 1) * n) };
}
function hostStack(rows: HostArray[], aval: ShapedArray, length: number): HostArray {
  const out = hostZeros([length, ...aval.shape], aval.dtype);
  const n = aval.size * width(aval.dtype);
  rows.forEach((r, i) => (out.data as any).set(r.data, i * n));
  return out;
}

// ---- cond ----

export interface CondParams {
  /** One jaxpr per branch, all taking the operands (after the index) and giving the same types. */
  branches: ClosedJaxpr[];
}

const clampIndex = (i: number, n: number) => Math.min(Math.max(Math.trunc(i), 0), n - 1);

export const cond: Primitive<CondParams> = new Primitive<CondParams>(
  "cond",
  {
    abstractEval([index, ...ops], { branches }) {
      if (!branches.length) throw new TypeError("cond requires at least one branch function");
      checkNoConsts("cond", branches);
      if (index.ndim !== 0 || index.dtype !== "int32") throw new TypeError(`cond: the branch index must be an int32 scalar, got ${index.str()}.`);
      branches.forEach((b, i) => {
        checkTypes(`cond branch ${i} inputs`, b.inAvals, ops);
        checkTypes(`cond branch ${i} outputs vs branch 0`, branches[0].outAvals, b.outAvals);
      });
      return branches[0].outAvals.map((a, i) => a.withWeak(branches.every((b) => b.outAvals[i].weakType)));
    },
    cpu([index, ...ops], { branches }, ctx) {
      return ctx.evalJaxpr(branches[clampIndex(hostValues(index)[0], branches.length)], ops);
    },
    impl: (args, params) => runOnce(cond, args, params),
    jvp([index, ...ops], [, ...ts], { branches }) {
      const nz = ts.map((t) => t !== null);
      const outNz = branches.map((b) => jvpJaxprNz(b, nz, false).outNz).reduce(or);
      if (!outNz.some(Boolean)) return [bind(cond, [index, ...ops], { branches }), outNz.map(() => null)];
      const { branches: bs, consts } = joinConsts(branches.map((b) => jvpJaxprNz(b, nz, outNz)));
      const outs = bind(cond, [index, ...consts, ...ops, ...(ts.filter((t) => t !== null) as Array[])], { branches: bs });
      const n = outNz.length;
      let k = n;
      return [outs.slice(0, n), outNz.map((z) => (z ? outs[k++] : null))];
    },
    linearize: (primals, tangents, params) => linearizeEqn(cond, primals, tangents, params),
    transpose(cts, [index, ...ops], { branches }) {
      if (isUndefined(index)) throw new TypeError("cond cannot be transposed with respect to its branch index.");
      const linear = ops.map(isUndefined);
      const known = ops.filter((o) => !isUndefined(o)) as Array[];
      const { branches: bs, consts } = joinConsts(branches.map((b) => transposeBody(b, linear)));
      const res = bind(cond, [index as Array, ...consts, ...known, ...cts], { branches: bs });
      let k = 0;
      return [null, ...linear.map((l) => (l ? res[k++] : null))];
    },
    batch([index, ...ops], [di, ...dops], { branches }, axis) {
      if (di === null) {
        const outBat = branches.map((b) => batchJaxprAt(b, dops, axis, false).outBatched).reduce(or);
        const { branches: bs, consts } = joinConsts(branches.map((b) => batchJaxprAt(b, dops, axis, outBat)));
        return [bind(cond, [index, ...consts, ...ops], { branches: bs }), outBat.map((b) => (b ? 0 : null))];
      }
      // A batched index: run every branch on every example and select (JAX's conversion to select_n).
      const n = branches.length;
      const idx = bind1(clamp, [scalar(0, "int32", false), moveaxis(index, di, 0), scalar(n - 1, "int32", false)]);
      const front = ops.map((x, i) => bdimToFront(x, dops[i], axis.size));
      const perBranch = branches.map((b, i) => {
        const bj = batchJaxprAt(b, front.map(() => 0), axis, true);
        // Unselected examples see their operands through stop_gradient, so a branch that is not
        // taken cannot poison gradients with NaNs (JAX issue #1052).
        const taken = bind1(eq, [idx, scalar(i, "int32", false)]);
        const args = front.map((x) => (isInexactArray(x) ? bind1(selectN, [bcastTo(taken, x), bind1(stopGradientP, [x]), x]) : x));
        return evalJaxpr(bj.jaxpr.jaxpr, [], [...bj.consts, ...args]);
      });
      const outs = perBranch[0].map((o, j) => bind1(selectN, [bcastTo(idx, o), ...perBranch.map((p) => p[j])]));
      return [outs, outs.map(() => 0)];
    },
  },
  true,
);

const isInexactArray = (x: Array) => isInexact(x.dtype);

/** A per-example scalar (shape [B]) broadcast to `like`'s shape (leading axis B). */
function bcastTo(pred: Array, like: Array): Array {
  if (like.ndim === 1) return pred;
  return bind1(broadcastInDim, [pred], { shape: [...like.shape], broadcast_dimensions: [0], sharding: null });
}

/**
 * The transpose of `body` with respect to the inputs marked `linear`: it takes the other
 * inputs, then a cotangent per output, and returns (instantiated) cotangents of the linear ones.
 */
function transposeBody(body: ClosedJaxpr, linear: boolean[]) {
  const avals = body.jaxpr.inAvals;
  return traceHoisted((...xs) => {
    let k = 0;
    const args = avals.map((a, i) => (linear[i] ? new UndefinedPrimal(a) : xs[k++]));
    const cts = backwardPass(body.jaxpr, body.consts, args, xs.slice(k));
    return avals.flatMap((a, i) => (linear[i] ? [cts[i] ?? zeros(a)] : []));
  }, [...pick(avals, not(linear)), ...body.jaxpr.outAvals]);
}

/**
 * Partial evaluation of a cond equation (JAX's `_cond_partial_eval`): the known cond computes
 * the known outputs and the residuals of every branch (zeros for the branches not taken); the
 * unknown cond picks its branch again and computes the rest from those residuals.
 */
function condPartialEval(eqn: JaxprEqn, unknowns: boolean[]): EqnSplit {
  const branches = eqn.params.branches as ClosedJaxpr[];
  const [indexUk, ...opsUk] = unknowns;
  if (indexUk) return { known: null, unknown: eqn, outUnknowns: eqn.outvars.map(() => true) };
  const outUk = branches.map((b) => partialEvalJaxpr(b.jaxpr, opsUk, false).outUnknowns).reduce(or);
  const pes = branches.map((b) => partialEvalJaxpr(b.jaxpr, opsUk, outUk));
  const nKnownOut = count(not(outUk));
  const res = pes.map((pe) => pe.known.outvars.slice(nKnownOut));
  const resVars = res.flatMap((rs) => rs.map((r) => new Var(r.aval)));
  const knownBranches = pes.map((pe, i) => {
    const eqns = [...pe.known.eqns];
    const allRes = res.flatMap((rs, j) => (j === i ? rs : rs.map((r) => zerosAtom(r.aval, eqns))));
    return new ClosedJaxpr(new Jaxpr([], pe.known.invars, eqns, [...pe.known.outvars.slice(0, nKnownOut), ...allRes]), []);
  });
  const unknownBranches = pes.map((pe, i) => {
    const own = pe.unknown.invars.slice(0, res[i].length);
    const lead = res.flatMap((rs, j) => (j === i ? own : rs.map((r) => new Var(r.aval))));
    return new ClosedJaxpr(new Jaxpr([], [...lead, ...pe.unknown.invars.slice(res[i].length)], pe.unknown.eqns, pe.unknown.outvars), []);
  });
  const index = eqn.inputs[0];
  const ops = eqn.inputs.slice(1);
  const knownOuts = pick(eqn.outvars, not(outUk));
  const known =
    knownOuts.length || resVars.length
      ? new JaxprEqn(cond, [index, ...pick(ops, not(opsUk))], { branches: knownBranches }, [...knownOuts, ...resVars], eqn.nameStack)
      : null;
  const unknown = outUk.some(Boolean)
    ? new JaxprEqn(cond, [index, ...resVars, ...pick(ops, opsUk)], { branches: unknownBranches }, pick(eqn.outvars, outUk), eqn.nameStack)
    : null;
  return { known, unknown, outUnknowns: outUk };
}

registerPartialEval("cond", condPartialEval);

// ---- while ----

export interface WhileParams {
  /** [...cond consts, ...carry] -> [bool[]] */
  cond_jaxpr: ClosedJaxpr;
  /** [...body consts, ...carry] -> [...carry] */
  body_jaxpr: ClosedJaxpr;
  cond_nconsts: number;
  body_nconsts: number;
}

export const REVERSE_WHILE_ERROR =
  "Reverse-mode differentiation does not work for lax.while_loop or lax.fori_loop with dynamic start/stop values. " +
  "Try using lax.scan, or using fori_loop with static start/stop.";

export const whileP: Primitive<WhileParams> = new Primitive<WhileParams>(
  "while",
  {
    abstractEval(avals, { cond_jaxpr, body_jaxpr, cond_nconsts, body_nconsts }) {
      const carry = avals.slice(cond_nconsts + body_nconsts);
      checkNoConsts("while", [cond_jaxpr, body_jaxpr]);
      checkTypes("while cond_jaxpr inputs", cond_jaxpr.inAvals, [...avals.slice(0, cond_nconsts), ...carry]);
      checkTypes("while body_jaxpr inputs", body_jaxpr.inAvals, avals.slice(cond_nconsts));
      checkTypes("while body_jaxpr outputs vs carry", carry, body_jaxpr.outAvals);
      const pred = cond_jaxpr.outAvals;
      if (pred.length !== 1 || pred[0].dtype !== "bool" || pred[0].ndim !== 0) {
        throw new TypeError(`while cond_jaxpr must return a boolean scalar, got ${typeList(pred)}.`);
      }
      return body_jaxpr.outAvals;
    },
    cpu(inputs, { cond_jaxpr, body_jaxpr, cond_nconsts, body_nconsts }, ctx) {
      const cconsts = inputs.slice(0, cond_nconsts);
      const bconsts = inputs.slice(cond_nconsts, cond_nconsts + body_nconsts);
      let carry = inputs.slice(cond_nconsts + body_nconsts);
      while (hostValues(ctx.evalJaxpr(cond_jaxpr, [...cconsts, ...carry])[0])[0]) carry = ctx.evalJaxpr(body_jaxpr, [...bconsts, ...carry]);
      return carry;
    },
    impl: (args, params) => runOnce(whileP, args, params),
    jvp(primals, tangents, params) {
      const { cond_jaxpr, body_jaxpr, cond_nconsts: nc, body_nconsts: nb } = params;
      const nz = tangents.map((t) => t !== null);
      const bconstNz = nz.slice(nc, nc + nb);
      let carryNz = nz.slice(nc + nb);
      let jvp = jvpJaxprNz(body_jaxpr, [...bconstNz, ...carryNz], carryNz);
      while (!sameFlags(jvp.outNz, carryNz)) {
        carryNz = or(carryNz, jvp.outNz);
        jvp = jvpJaxprNz(body_jaxpr, [...bconstNz, ...carryNz], carryNz);
      }
      const nK = carryNz.length;
      const nBt = count(bconstNz), nKt = count(carryNz);
      // [hoisted, bconsts, carry, bconst_t, carry_t] -> [hoisted, bconsts, bconst_t, carry, carry_t]
      const nh = jvp.consts.length;
      const body = reorder(jvp.jaxpr.jaxpr, groupOrder([nh, nb, nK, nBt, nKt], [0, 1, 3, 2, 4]));
      const condAug = padInvars(cond_jaxpr.jaxpr, cond_jaxpr.jaxpr.invars.length, pick(body_jaxpr.outAvals, carryNz));
      const cconsts = primals.slice(0, nc), bconsts = primals.slice(nc, nc + nb), init = primals.slice(nc + nb);
      const bconstT = pick(tangents.slice(nc, nc + nb), bconstNz) as Array[];
      const initT = init.flatMap((x, i) => (carryNz[i] ? [tangents[nc + nb + i] ?? zeros(body_jaxpr.outAvals[i])] : []));
      const outs = bind(whileP, [...cconsts, ...jvp.consts, ...bconsts, ...bconstT, ...init, ...initT], {
        cond_jaxpr: new ClosedJaxpr(condAug, []),
        body_jaxpr: new ClosedJaxpr(body, []),
        cond_nconsts: nc,
        body_nconsts: nh + nb + nBt,
      });
      let k = nK;
      return [outs.slice(0, nK), carryNz.map((z) => (z ? outs[k++] : null))];
    },
    linearize: (primals, tangents, params) => linearizeEqn(whileP, primals, tangents, params),
    transpose() {
      throw new ValueError(REVERSE_WHILE_ERROR);
    },
    batch: whileBatch,
  },
  true,
);

function whileBatch(args: Array[], dims: (number | null)[], params: WhileParams, axis: AxisData): [Array[], (number | null)[]] {
  const { cond_jaxpr, body_jaxpr, cond_nconsts: nc, body_nconsts: nb } = params;
  const size = axis.size;
  const front = args.map((x, i) => (dims[i] === null ? x : moveaxis(x, dims[i]!, 0)));
  const bat = dims.map((d) => d !== null);
  const at0 = (b: boolean[]) => b.map((x) => (x ? 0 : null));
  const cconstBat = bat.slice(0, nc), bconstBat = bat.slice(nc, nc + nb);
  let carryBat = bat.slice(nc + nb);
  for (;;) {
    const out = batchJaxprAt(body_jaxpr, at0([...bconstBat, ...carryBat]), axis, carryBat).outBatched;
    if (sameFlags(out, carryBat)) break;
    carryBat = or(carryBat, out);
  }
  const predBat = batchJaxprAt(cond_jaxpr, at0([...cconstBat, ...carryBat]), axis, false).outBatched[0];
  if (predBat) carryBat = carryBat.map(() => true);
  const cconsts = front.slice(0, nc), bconsts = front.slice(nc, nc + nb);
  const init = front.slice(nc + nb).map((x, i) => (carryBat[i] && !bat[nc + nb + i] ? broadcastAxis(x, size, 0) : x));
  const condB = batchJaxprAt(cond_jaxpr, at0([...cconstBat, ...carryBat]), axis, predBat);
  const bodyB = batchJaxprAt(body_jaxpr, at0([...bconstBat, ...carryBat]), axis, carryBat);
  const outDims = at0(carryBat);
  if (!predBat) {
    const outs = bind(whileP, [...condB.consts, ...cconsts, ...bodyB.consts, ...bconsts, ...init], {
      cond_jaxpr: condB.jaxpr,
      body_jaxpr: bodyB.jaxpr,
      cond_nconsts: condB.consts.length + nc,
      body_nconsts: bodyB.consts.length + nb,
    });
    return [outs, outDims];
  }
  // A batched predicate: loop while any example's predicate holds; examples that are done keep
  // their carry (JAX's `_while_loop_batching_rule`).
  const cIn = condB.jaxpr.jaxpr.inAvals;
  const nCc = cIn.length - init.length;
  const anyCond = traceHoisted((...xs) => {
    const [pred] = evalJaxpr(condB.jaxpr.jaxpr, [], xs);
    return [bind1(reduceOr, [pred], { axes: [0], out_sharding: null })];
  }, cIn);
  const bIn = bodyB.jaxpr.jaxpr.inAvals;
  const nBc = bIn.length - init.length;
  const maskedBody = traceHoisted((...xs) => {
    const cc = xs.slice(0, nCc), bc = xs.slice(nCc, nCc + nBc), carry = xs.slice(nCc + nBc);
    const [pred] = evalJaxpr(condB.jaxpr.jaxpr, [], [...cc, ...carry]);
    const next = evalJaxpr(bodyB.jaxpr.jaxpr, [], [...bc, ...carry]);
    return next.map((n, i) => bind1(selectN, [bcastTo(pred, n), carry[i], n]));
  }, [...cIn.slice(0, nCc), ...bIn.slice(0, nBc), ...bIn.slice(nBc)]);
  const condConsts = [...condB.consts, ...cconsts];
  const outs = bind(whileP, [...anyCond.consts, ...condConsts, ...maskedBody.consts, ...condConsts, ...bodyB.consts, ...bconsts, ...init], {
    cond_jaxpr: anyCond.jaxpr,
    body_jaxpr: maskedBody.jaxpr,
    cond_nconsts: anyCond.consts.length + condConsts.length,
    body_nconsts: maskedBody.consts.length + condConsts.length + bodyB.consts.length + nb,
  });
  return [outs, outDims];
}

/**
 * Partial evaluation of a while equation (JAX's `_while_partial_eval`): when the predicate is
 * known, a while over the known carries computes the known outputs, and the unknown outputs
 * come from the whole loop run again (nothing is saved per iteration, so reverse mode cannot
 * follow: the transpose rule raises JAX's error).
 */
function whilePartialEval(eqn: JaxprEqn, unknowns: boolean[]): EqnSplit {
  const { cond_jaxpr, body_jaxpr, cond_nconsts: nc, body_nconsts: nb } = eqn.params as WhileParams;
  const allUnknown: EqnSplit = { known: null, unknown: eqn, outUnknowns: eqn.outvars.map(() => true) };
  const cconstUk = unknowns.slice(0, nc), bconstUk = unknowns.slice(nc, nc + nb);
  let carryUk = unknowns.slice(nc + nb);
  let pe = partialEvalJaxpr(body_jaxpr.jaxpr, [...bconstUk, ...carryUk], carryUk);
  while (!sameFlags(pe.outUnknowns, carryUk)) {
    carryUk = or(carryUk, pe.outUnknowns);
    pe = partialEvalJaxpr(body_jaxpr.jaxpr, [...bconstUk, ...carryUk], carryUk);
  }
  const condPe = partialEvalJaxpr(cond_jaxpr.jaxpr, [...cconstUk, ...carryUk], false);
  if (condPe.outUnknowns[0] || carryUk.every(Boolean)) return allUnknown;
  const nKnown = count(not(carryUk));
  const condKnown = dce(new Jaxpr([], condPe.known.invars, condPe.known.eqns, condPe.known.outvars.slice(0, 1)));
  const bodyKnown = dce(new Jaxpr([], pe.known.invars, pe.known.eqns, pe.known.outvars.slice(0, nKnown)));
  const knownIns = pick(eqn.inputs, not([...cconstUk, ...bconstUk, ...carryUk]));
  const known = new JaxprEqn(
    whileP,
    knownIns,
    {
      cond_jaxpr: new ClosedJaxpr(condKnown, []),
      body_jaxpr: new ClosedJaxpr(bodyKnown, []),
      cond_nconsts: count(not(cconstUk)),
      body_nconsts: count(not(bconstUk)),
    },
    pick(eqn.outvars, not(carryUk)),
    eqn.nameStack,
  );
  if (!carryUk.some(Boolean)) return { known, unknown: null, outUnknowns: carryUk };
  // The whole loop again, of which only the unknown outputs are used.
  const unknown = new JaxprEqn(whileP, eqn.inputs, eqn.params, eqn.outvars.map((v, i) => (carryUk[i] ? v : new Var(v.aval))), eqn.nameStack);
  return { known, unknown, outUnknowns: carryUk };
}

registerPartialEval("while", whilePartialEval);

// ---- scan ----

export interface ScanParams {
  /** [...consts, ...carry, ...x slices] -> [...carry, ...y slices] */
  jaxpr: ClosedJaxpr;
  length: number;
  reverse: boolean;
  unroll: number;
  num_consts: number;
  num_carry: number;
}

export const scanP: Primitive<ScanParams> = new Primitive<ScanParams>(
  "scan",
  {
    abstractEval(avals, { jaxpr, length, num_consts: nc, num_carry: nk }) {
      const inA = jaxpr.inAvals;
      checkNoConsts("scan", [jaxpr]);
      if (inA.length !== avals.length) throw new TypeError(`scan: the body takes ${inA.length} inputs but the scan has ${avals.length} operands.`);
      checkTypes("scan jaxpr consts", inA.slice(0, nc), avals.slice(0, nc));
      checkTypes("scan jaxpr carry", inA.slice(nc, nc + nk), avals.slice(nc, nc + nk));
      avals.slice(nc + nk).forEach((x) => {
        if (x.ndim === 0 || x.shape[0] !== length) throw new TypeError(`scan: a scanned-over operand of type ${x.str()} does not have leading axis ${length}.`);
      });
      checkTypes("scan jaxpr xs", inA.slice(nc + nk), avals.slice(nc + nk).map(unmapped));
      const outA = jaxpr.outAvals;
      checkTypes("scan carry output vs input", inA.slice(nc, nc + nk), outA.slice(0, nk));
      return [...outA.slice(0, nk), ...outA.slice(nk).map((a) => mapped(a, length))];
    },
    cpu(inputs, { jaxpr, length, reverse, num_consts: nc, num_carry: nk }, ctx) {
      const consts = inputs.slice(0, nc);
      let carry = inputs.slice(nc, nc + nk);
      const xs = inputs.slice(nc + nk);
      const yAvals = jaxpr.outAvals.slice(nk);
      const ys: HostArray[][] = yAvals.map(() => new globalThis.Array(length));
      for (let step = 0; step < length; step++) {
        const i = reverse ? length - 1 - step : step;
        const outs = ctx.evalJaxpr(jaxpr, [...consts, ...carry, ...xs.map((x) => hostRow(x, i))]);
        carry = outs.slice(0, nk);
        outs.slice(nk).forEach((y, j) => (ys[j][i] = y));
      }
      return [...carry, ...ys.map((rows, j) => hostStack(rows, yAvals[j], length))];
    },
    impl: (args, params) => runOnce(scanP, args, params),
    jvp: scanJvp,
    linearize: (primals, tangents, params) => linearizeEqn(scanP, primals, tangents, params),
    transpose: scanTranspose,
    batch: scanBatch,
    printParams: ({ jaxpr, length, num_carry, num_consts, reverse, unroll }) => ({ jaxpr, length, num_carry, num_consts, reverse, unroll }),
  },
  true,
);

function scanJvp(primals: Array[], tangents: (Array | null)[], params: ScanParams): [Array[], (Array | null)[]] {
  const { jaxpr, num_consts: nc, num_carry: nk } = params;
  const nz = tangents.map((t) => t !== null);
  const constNz = nz.slice(0, nc), xsNz = nz.slice(nc + nk);
  let carryNz = nz.slice(nc, nc + nk);
  const nY = jaxpr.outAvals.length - nk;
  const inst = (c: boolean[]) => [...c, ...new globalThis.Array(nY).fill(false)];
  let jvp = jvpJaxprNz(jaxpr, [...constNz, ...carryNz, ...xsNz], inst(carryNz));
  while (!sameFlags(jvp.outNz.slice(0, nk), carryNz)) {
    carryNz = or(carryNz, jvp.outNz.slice(0, nk));
    jvp = jvpJaxprNz(jaxpr, [...constNz, ...carryNz, ...xsNz], inst(carryNz));
  }
  const ysNz = jvp.outNz.slice(nk);
  const nX = xsNz.length, nh = jvp.consts.length;
  const [nCt, nKt, nXt, nYt] = [count(constNz), count(carryNz), count(xsNz), count(ysNz)];
  // [hoisted, consts, carry, xs, const_t, carry_t, xs_t] -> [hoisted, consts, const_t, carry, carry_t, xs, xs_t]
  const inOrder = groupOrder([nh, nc, nk, nX, nCt, nKt, nXt], [0, 1, 4, 2, 5, 3, 6]);
  // [carry, ys, carry_t, ys_t] -> [carry, carry_t, ys, ys_t]
  const outOrder = groupOrder([nk, nY, nKt, nYt], [0, 2, 1, 3]);
  const body = reorder(jvp.jaxpr.jaxpr, inOrder, outOrder);
  const consts = primals.slice(0, nc), init = primals.slice(nc, nc + nk), xs = primals.slice(nc + nk);
  const constT = pick(tangents.slice(0, nc), constNz) as Array[];
  const initT = init.flatMap((x, i) => (carryNz[i] ? [tangents[nc + i] ?? zeros(jaxpr.jaxpr.inAvals[nc + i])] : []));
  const xsT = pick(tangents.slice(nc + nk), xsNz) as Array[];
  const outs = bind(scanP, [...jvp.consts, ...consts, ...constT, ...init, ...initT, ...xs, ...xsT], {
    ...params,
    jaxpr: new ClosedJaxpr(body, []),
    num_consts: nh + nc + nCt,
    num_carry: nk + nKt,
  });
  const carry = outs.slice(0, nk), carryT = outs.slice(nk, nk + nKt);
  const ys = outs.slice(nk + nKt, nk + nKt + nY), ysT = outs.slice(nk + nKt + nY);
  let a = 0, b = 0;
  return [
    [...carry, ...ys],
    [...carryNz.map((z) => (z ? carryT[a++] : null)), ...ysNz.map((z) => (z ? ysT[b++] : null))],
  ];
}

/**
 * Transpose of a scan linear in some consts, its carry and some xs (JAX's `_scan_transpose`):
 * a scan in the other direction whose carry holds the cotangents of the carry and the running
 * sums of the linear consts' cotangents, and whose outputs per step are the xs' cotangents.
 */
function scanTranspose(cts: Array[], args: (Array | UndefinedPrimal)[], params: ScanParams): (Array | null)[] {
  const { jaxpr, num_consts: nc, num_carry: nk } = params;
  const body = jaxpr.jaxpr;
  const inA = body.inAvals;
  const consts = args.slice(0, nc), xs = args.slice(nc + nk);
  const linC = consts.map(isUndefined), linX = xs.map(isUndefined);
  const resC = consts.filter((c) => !isUndefined(c)) as Array[];
  const resX = xs.filter((x) => !isUndefined(x)) as Array[];
  const cAvals = inA.slice(0, nc), kAvals = inA.slice(nc, nc + nk), xAvals = inA.slice(nc + nk);
  const ctCarry = cts.slice(0, nk), ctYs = cts.slice(nk);
  const yAvals = body.outAvals.slice(nk);
  const nLc = count(linC), nRc = resC.length, nRx = resX.length;
  // body: [resC, ctConstAcc, ctCarry, ctY, resX] -> [ctConstAcc', ctCarry', ctX (linear xs)]
  const tBody = traceHoisted((...ins) => {
    let p = 0;
    const take = (n: number) => ins.slice(p, (p += n));
    const rc = take(nRc), acc = take(nLc), ck = take(nk), cy = take(yAvals.length), rx = take(nRx);
    let i = 0, j = 0;
    const bodyArgs = [
      ...cAvals.map((a, q) => (linC[q] ? new UndefinedPrimal(a) : rc[i++])),
      ...kAvals.map((a) => new UndefinedPrimal(a)),
      ...xAvals.map((a, q) => (linX[q] ? new UndefinedPrimal(a) : rx[j++])),
    ];
    const ct = backwardPass(body, jaxpr.consts, bodyArgs, [...ck, ...cy]);
    let a = 0;
    const accOut = cAvals.flatMap((_, q) => (linC[q] ? [addTangents(acc[a++], ct[q]) ?? zeros(cAvals[q])] : []));
    const carryOut = kAvals.map((av, q) => ct[nc + q] ?? zeros(av));
    const xsOut = xAvals.flatMap((av, q) => (linX[q] ? [ct[nc + nk + q] ?? zeros(av)] : []));
    return [...accOut, ...carryOut, ...xsOut];
  }, [...pick(cAvals, not(linC)), ...pick(cAvals, linC), ...kAvals, ...yAvals, ...pick(xAvals, not(linX))]);
  const accInit = pick(cAvals, linC).map((a) => zeros(a));
  const outs = bind(scanP, [...tBody.consts, ...resC, ...accInit, ...ctCarry, ...ctYs, ...resX], {
    ...params,
    jaxpr: tBody.jaxpr,
    reverse: !params.reverse,
    num_consts: tBody.consts.length + nRc,
    num_carry: nLc + nk,
  });
  const ctConsts = outs.slice(0, nLc), ctInit = outs.slice(nLc, nLc + nk), ctXs = outs.slice(nLc + nk);
  let a = 0, b = 0;
  return [
    ...linC.map((l) => (l ? ctConsts[a++] : null)),
    ...args.slice(nc, nc + nk).map((c, q) => (isUndefined(c) ? ctInit[q] : null)),
    ...linX.map((l) => (l ? ctXs[b++] : null)),
  ];
}

function scanBatch(args: Array[], dims: (number | null)[], params: ScanParams, axis: AxisData): [Array[], (number | null)[]] {
  const { jaxpr, num_consts: nc, num_carry: nk } = params;
  const bat = dims.map((d) => d !== null);
  const constBat = bat.slice(0, nc), xsBat = bat.slice(nc + nk);
  let carryBat = bat.slice(nc, nc + nk);
  const nY = jaxpr.outAvals.length - nk;
  const at0 = (b: boolean[]) => b.map((x) => (x ? 0 : null));
  const force = (c: boolean[]) => [...c, ...new globalThis.Array(nY).fill(false)];
  let b = batchJaxprAt(jaxpr, at0([...constBat, ...carryBat, ...xsBat]), axis, force(carryBat));
  while (!sameFlags(b.outBatched.slice(0, nk), carryBat)) {
    carryBat = or(carryBat, b.outBatched.slice(0, nk));
    b = batchJaxprAt(jaxpr, at0([...constBat, ...carryBat, ...xsBat]), axis, force(carryBat));
  }
  const consts = args.slice(0, nc).map((x, i) => (dims[i] === null ? x : moveaxis(x, dims[i]!, 0)));
  const init = args.slice(nc, nc + nk).map((x, i) => {
    const d = dims[nc + i];
    return d !== null ? moveaxis(x, d, 0) : carryBat[i] ? broadcastAxis(x, axis.size, 0) : x;
  });
  // The scanned axis stays first; the mapped axis of xs goes second.
  const xs = args.slice(nc + nk).map((x, i) => (dims[nc + nk + i] === null ? x : moveaxis(x, dims[nc + nk + i]!, 1)));
  const outs = bind(scanP, [...b.consts, ...consts, ...init, ...xs], { ...params, jaxpr: b.jaxpr, num_consts: b.consts.length + nc });
  const ysBat = b.outBatched.slice(nk);
  return [outs, [...carryBat.map((c) => (c ? 0 : null)), ...ysBat.map((y) => (y ? 1 : null))]];
}

/**
 * Partial evaluation of a scan equation (JAX's `_scan_partial_eval`), with a fixpoint on which
 * carries are unknown. The known scan also returns the residuals the unknown body needs, stacked
 * along the scanned axis; residuals that are known consts or xs of the scan are passed to the
 * unknown scan directly (as consts, or as xs) instead of being stacked again.
 */
function scanPartialEval(eqn: JaxprEqn, unknowns: boolean[]): EqnSplit {
  const params = eqn.params as ScanParams;
  const { jaxpr, length, num_consts: nc, num_carry: nk } = params;
  const body = jaxpr.jaxpr;
  const nY = body.outvars.length - nk;
  const constUk = unknowns.slice(0, nc), xsUk = unknowns.slice(nc + nk);
  let carryUk = unknowns.slice(nc, nc + nk);
  const inst = (c: boolean[]) => [...c, ...new globalThis.Array(nY).fill(false)];
  let pe = partialEvalJaxpr(body, [...constUk, ...carryUk, ...xsUk], inst(carryUk));
  while (!sameFlags(pe.outUnknowns.slice(0, nk), carryUk)) {
    carryUk = or(carryUk, pe.outUnknowns.slice(0, nk));
    pe = partialEvalJaxpr(body, [...constUk, ...carryUk, ...xsUk], inst(carryUk));
  }
  const uk = [...constUk, ...carryUk, ...xsUk];
  const outUk = pe.outUnknowns;
  if (!outUk.some(Boolean) && !uk.some(Boolean)) return { known: eqn, unknown: null, outUnknowns: outUk };
  const nKnownOut = count(not(outUk));
  const residuals = pe.known.outvars.slice(nKnownOut) as Var[];
  // Classify residuals: a known const of the body (intensive), a known xs slice (passed as is),
  // or anything else (stacked by the known scan).
  const where = (r: Var) => body.invars.indexOf(r);
  const intensive: Var[] = [], passXs: Var[] = [], stacked: Var[] = [];
  for (const r of residuals) {
    const i = where(r);
    if (i >= 0 && i < nc) intensive.push(r);
    else if (i >= nc + nk) passXs.push(r);
    else stacked.push(r);
  }
  const knownOutvars = pe.known.outvars.slice(0, nKnownOut);
  const knownBody = dce(new Jaxpr([], pe.known.invars, pe.known.eqns, [...knownOutvars, ...stacked]));
  const stackedVars = stacked.map((r) => new Var(mapped(r.aval, length)));
  const knownEqnOuts = [...pick(eqn.outvars, not(outUk)), ...stackedVars];
  const known = knownEqnOuts.length
    ? new JaxprEqn(
        scanP,
        pick(eqn.inputs, not(uk)),
        { ...params, jaxpr: new ClosedJaxpr(knownBody, []), num_consts: count(not(constUk)), num_carry: count(not(carryUk)) },
        knownEqnOuts,
        eqn.nameStack,
      )
    : null;
  if (!outUk.some(Boolean)) return { known, unknown: null, outUnknowns: outUk };
  const ukInvars = pe.unknown.invars.slice(residuals.length);
  const [ukC, ukK] = [count(constUk), count(carryUk)];
  const unknownBody = new Jaxpr(
    [],
    [...intensive, ...ukInvars.slice(0, ukC), ...ukInvars.slice(ukC, ukC + ukK), ...ukInvars.slice(ukC + ukK), ...stacked, ...passXs],
    pe.unknown.eqns,
    pe.unknown.outvars,
  );
  const outer = (r: Var) => eqn.inputs[where(r)];
  const ins = eqn.inputs;
  const unknown = new JaxprEqn(
    scanP,
    [
      ...intensive.map(outer),
      ...pick(ins.slice(0, nc), constUk),
      ...pick(ins.slice(nc, nc + nk), carryUk),
      ...pick(ins.slice(nc + nk), xsUk),
      ...stackedVars,
      ...passXs.map(outer),
    ],
    { ...params, jaxpr: new ClosedJaxpr(unknownBody, []), num_consts: intensive.length + ukC, num_carry: ukK },
    pick(eqn.outvars, outUk),
    eqn.nameStack,
  );
  return { known, unknown, outUnknowns: outUk };
}

registerPartialEval("scan", scanPartialEval);
