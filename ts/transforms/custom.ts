// User-defined derivatives: customJvp, customVjp, customGradient, and closureConvert.
// Each call binds a primitive carrying the traced function and the user's rules, so the
// rules travel through jit, vmap and higher-order differentiation.

import { declareAs } from "../core/signature.js";
import { Array } from "../core/array.js";
import { ShapedArray } from "../core/aval.js";
import { ValueError } from "../core/errors.js";
import { ClosedJaxpr, Jaxpr } from "../core/jaxpr.js";
import { Primitive } from "../core/primitive.js";
import { convertConstvars, evalJaxpr, traceToJaxpr } from "../core/staging.js";
import { bind, scalar } from "../core/trace.js";
import * as tree from "../core/tree.js";
import { instantiate, isDifferentiable, zeros } from "./ad_util.js";
import { bdimToFront } from "./batch_util.js";
import { hoistConsts, leafAval, normalizeArgnums } from "./jit.js";
import { batchJaxpr, vmap } from "./vmap.js";

/**
 * A zero tangent passed to rules defined with `symbolicZeros: true`.
 * @example f.defjvp(([x], [t]) => [np.sin(x), t instanceof jax.SymbolicZero ? np.zerosLike(x) : t.mul(np.cos(x))], {symbolicZeros: true})
 */
export class SymbolicZero {
  constructor(readonly aval: ShapedArray) {}
  /** The shape of the zero tangent. @example t.shape */
  get shape(): number[] {
    return [...this.aval.shape];
  }
  /** The dtype of the zero tangent. @example t.dtype */
  get dtype() {
    return this.aval.dtype;
  }
}

type FlatRule = (primals: Array[], tangents: (Array | null)[]) => [Array[], (Array | null)[]];

interface CustomJvpParams {
  name: string;
  call_jaxpr: ClosedJaxpr;
  jvp: FlatRule;
  num_consts: number;
  symbolic_zeros: boolean;
}

function closedOverError(): Error {
  return new TypeError(
    "Detected differentiation of a custom_jvp function with respect to a closed-over value. That isn't supported because the custom JVP " +
      "rule only specifies how to differentiate the custom_jvp function with respect to explicit input parameters. Pass the value as an " +
      "argument instead (jax.closureConvert can hoist closed-over values).",
  );
}

/** Batches everything along axis 0 so a rule written per example can be vmapped as a whole. */
function frontAll(args: Array[], dims: (number | null)[], size: number): Array[] {
  return args.map((a, i) => bdimToFront(a, dims[i], size));
}

export const customJvpCallP: Primitive<CustomJvpParams> = new Primitive<CustomJvpParams>(
  "custom_jvp_call",
  {
    abstractEval: (_, { call_jaxpr }) => call_jaxpr.outAvals,
    impl: (args, { call_jaxpr }) => evalJaxpr(call_jaxpr.jaxpr, call_jaxpr.consts, args),
    cpu: (inputs, { call_jaxpr }, ctx) => ctx.evalJaxpr(call_jaxpr, inputs),
    jvp(primals, tangents, { jvp, num_consts }) {
      if (tangents.slice(0, num_consts).some((t) => t !== null)) throw closedOverError();
      return jvp(primals.slice(num_consts), tangents.slice(num_consts));
    },
    batch(args, dims, params, axis) {
      const front = frontAll(args, dims, axis.size);
      const n = params.num_consts;
      const nArgs = args.length - n;
      const b = batchJaxpr(params.call_jaxpr, front.map(() => 0), axis);
      // The rule, vmapped: every primal and tangent is given a leading batch axis.
      const jvp: FlatRule = (ps, ts) => {
        const tz = ts.map((t, i) => t ?? zeros(ps[i].aval));
        const res: Array[] = vmap((...xs: Array[]) => {
          const [po, to] = params.jvp(xs.slice(0, nArgs), xs.slice(nArgs));
          return [...po, ...to.map((t, i) => instantiate(t, po[i].aval))];
        })(...ps, ...tz);
        const k = res.length / 2;
        return [res.slice(0, k), res.slice(k)];
      };
      const h = hoistConsts(b.jaxpr);
      return [bind(customJvpCallP, [...h.consts, ...front], { ...params, call_jaxpr: h.jaxpr, jvp, num_consts: n + h.consts.length }), b.outDims];
    },
    printParams: ({ name, call_jaxpr, jvp, symbolic_zeros }) => ({ name, call_jaxpr, jvp, symbolic_zeros }),
  },
  true,
);

interface CustomJvpFunction<F> {
  (...args: Parameters<F & ((...a: any[]) => any)>): ReturnType<F & ((...a: any[]) => any)>;
  /** `rule(...nondiffArgs, primals, tangents) -> [primalOut, tangentOut]`. */
  defjvp(rule: (...args: any[]) => [any, any], opts?: { symbolicZeros?: boolean }): CustomJvpFunction<F>;
  /** One rule per argument: `rule(g, ans, ...primals)` gives that argument's tangent contribution. */
  defjvps(...rules: (((g: any, ans: any, ...primals: any[]) => any) | null)[]): CustomJvpFunction<F>;
}

/** Splits positional args into the differentiable ones (flattened) and the nondiff ones. */
function splitNondiff(args: any[], nondiff: number[]) {
  const dynIdx = args.map((_, i) => i).filter((i) => !nondiff.includes(i));
  const [leaves, inTree] = tree.flatten(dynIdx.map((i) => args[i]));
  const vals = leaves.map((l) => (l instanceof Array ? l : scalar(l)));
  const rebuild = (xs: Array[]) => {
    const dyn = tree.unflatten(inTree, xs);
    return args.map((a, i) => (nondiff.includes(i) ? a : dyn[dynIdx.indexOf(i)]));
  };
  return { vals, inTree, dynIdx, rebuild, nondiffVals: nondiff.map((i) => args[i]) };
}

/** Traces `f` on the avals of `vals`, returning the call jaxpr with hoisted constants. */
function traceCall(f: (...xs: Array[]) => any, vals: Array[]) {
  let outTree: tree.TreeDef | undefined;
  const { jaxpr, consts } = traceToJaxpr((...xs) => {
    const [outs, t] = tree.flatten(f(...xs));
    outTree = t;
    return outs;
  }, vals.map((v) => leafAval(v)));
  return { callJaxpr: new ClosedJaxpr(convertConstvars(jaxpr), []), consts, outTree: outTree! };
}

function checkRuleOutputs(what: string, outTree: tree.TreeDef, primals: Array[], got: tree.TreeDef, avals: ShapedArray[]): void {
  if (String(got) !== String(outTree)) {
    throw new TypeError(`${what} must produce primal outputs with the same container (pytree) structure as the function's output; got ${got} and ${outTree}.`);
  }
  primals.forEach((p, i) => {
    if (!p.aval.equals(avals[i]) && (p.dtype !== avals[i].dtype || p.aval.shape.join() !== avals[i].shape.join())) {
      throw new TypeError(`${what} must produce primal outputs with shapes and dtypes matching the function's: got ${p.aval.str()}, expected ${avals[i].str()}.`);
    }
  });
}

function customJvpImpl<F extends (...args: any[]) => any>(fun: F, opts: { nondiffArgnums?: number[] } = {}): CustomJvpFunction<F> {
  let rule: ((...args: any[]) => [any, any]) | null = null;
  let symbolicZeros = false;
  const name = fun.name || "<lambda>";
  const f = function (this: unknown, ...args: any[]) {
    const nondiff = normalizeArgnums(opts.nondiffArgnums, args.length, "nondiffArgnums");
    const { vals, inTree, rebuild, nondiffVals } = splitNondiff(args, nondiff);
    const { callJaxpr, consts, outTree } = traceCall((...xs) => fun.apply(this, rebuild(xs)), vals);
    if (!rule) throw new TypeError(`No JVP defined for custom_jvp function ${name} using defjvp.`);
    const theRule = rule;
    const outAvals = callJaxpr.outAvals;
    const jvp: FlatRule = (ps, ts) => {
      const tIn = ts.map((t, i) => (t === null ? (symbolicZeros ? new SymbolicZero(ps[i].aval) : zeros(ps[i].aval.withWeak(false))) : t));
      const r = theRule.call(this, ...nondiffVals, tree.unflatten(inTree, ps), tree.unflatten(inTree, tIn));
      if (!globalThis.Array.isArray(r) || r.length !== 2) throw new TypeError(`Custom JVP rule of ${name} must return a pair [primalOut, tangentOut], got ${String(r)}.`);
      const [po, pTree] = tree.flatten(r[0]);
      const [to, tTree] = tree.flatten(r[1], (x) => x === null || x instanceof SymbolicZero);
      const pa = po.map((p: any) => (p instanceof Array ? p : scalar(p)));
      checkRuleOutputs(`Custom JVP rule ${name}`, outTree, pa, pTree, outAvals);
      if (String(tTree) !== String(pTree)) {
        throw new TypeError(`Custom JVP rule must produce primal and tangent outputs with equal container (pytree) structures, but got ${pTree} and ${tTree} respectively.`);
      }
      const touts = to.map((t: any, i: number) => {
        if (t === null || t instanceof SymbolicZero) return null;
        const ta = t instanceof Array ? t : scalar(t, pa[i].dtype, false);
        if (ta.shape.join() !== pa[i].shape.join() || (isDifferentiable(pa[i].dtype) && ta.dtype !== pa[i].dtype)) {
          throw new TypeError(
            `Custom JVP rule must produce primal and tangent outputs with corresponding shapes and dtypes. For example, for primal shape ${pa[i].aval.str()} the tangent must have the same shape and dtype, but got ${ta.aval.str()}.`,
          );
        }
        return ta;
      });
      return [pa, touts];
    };
    // The jaxpr shows the user's rule by its name, as JAX does.
    Object.defineProperty(jvp, "name", { value: theRule.name || "<lambda>" });
    const outs = bind(customJvpCallP, [...consts, ...vals], { name, call_jaxpr: callJaxpr, jvp, num_consts: consts.length, symbolic_zeros: symbolicZeros });
    return tree.unflatten(outTree, outs);
  } as unknown as CustomJvpFunction<F>;
  f.defjvp = (r, o = {}) => {
    rule = r;
    symbolicZeros = !!o.symbolicZeros;
    return f;
  };
  f.defjvps = (...rules) => {
    rule = (...args: any[]) => {
      const nNondiff = opts.nondiffArgnums?.length ?? 0;
      const [primals, tangents] = args.slice(nNondiff) as [any[], any[]];
      const ans = fun(...args.slice(0, nNondiff), ...primals);
      let total: any = null;
      rules.forEach((r, i) => {
        if (!r) return;
        const contrib = r(tangents[i], ans, ...primals);
        total = total === null ? contrib : tree.map((a: Array, b: Array) => a.add(b), total, contrib);
      });
      return [ans, total ?? tree.map((a: Array) => zeros(a.aval), ans)];
    };
    return f;
  };
  Object.defineProperty(f, "name", { value: name });
  return f;
}

// ---- custom_vjp ----

type FlatFwd = (primals: Array[]) => [Array[], Array[], unknown];
type FlatBwd = (res: Array[], statics: unknown, cts: Array[]) => (Array | null)[];

interface CustomVjpParams {
  name: string;
  call_jaxpr: ClosedJaxpr;
  fwd: FlatFwd;
  bwd: FlatBwd;
  num_consts: number;
  symbolic_zeros: boolean;
}

interface CustomLinParams {
  bwd: FlatBwd;
  statics: unknown;
  num_res: number;
  out_avals: ShapedArray[];
  in_avals: ShapedArray[];
}

const jvpOfCustomVjpError = () => new TypeError("can't apply forward-mode autodiff (jvp) to a custom_vjp function.");

/** The tangent map of a custom_vjp call: only its transpose (the user's bwd) exists. */
export const customLinP: Primitive<CustomLinParams> = new Primitive<CustomLinParams>(
  "custom_lin",
  {
    abstractEval: (_, { out_avals }) => out_avals,
    impl() {
      throw jvpOfCustomVjpError();
    },
    cpu() {
      throw jvpOfCustomVjpError();
    },
    batch() {
      throw jvpOfCustomVjpError();
    },
    transpose(cts, args, { bwd, statics, num_res, in_avals }) {
      const res = args.slice(0, num_res) as Array[];
      const out = bwd(res, statics, cts);
      return [...res.map(() => null), ...out.map((c, i) => (c === null ? zeros(in_avals[i]) : c))];
    },
  },
  true,
);

export const customVjpCallP: Primitive<CustomVjpParams> = new Primitive<CustomVjpParams>(
  "custom_vjp_call",
  {
    abstractEval: (_, { call_jaxpr }) => call_jaxpr.outAvals,
    impl: (args, { call_jaxpr }) => evalJaxpr(call_jaxpr.jaxpr, call_jaxpr.consts, args),
    cpu: (inputs, { call_jaxpr }, ctx) => ctx.evalJaxpr(call_jaxpr, inputs),
    // Forward: run fwd now; the tangent map is custom_lin, which only transposition can use.
    jvp(primals, tangents, { fwd, bwd, num_consts, call_jaxpr }) {
      if (tangents.slice(0, num_consts).some((t) => t !== null)) throw closedOverError();
      const ps = primals.slice(num_consts);
      const [outs, res, statics] = fwd(ps);
      const ts = tangents.slice(num_consts).map((t, i) => instantiate(t, ps[i].aval.withWeak(false)));
      const outAvals = call_jaxpr.outAvals.map((a) => a.withWeak(false));
      const touts = bind(customLinP, [...res, ...ts], { bwd, statics, num_res: res.length, out_avals: outAvals, in_avals: ps.map((p) => p.aval.withWeak(false)) });
      return [outs, touts];
    },
    batch(args, dims, params, axis) {
      const front = frontAll(args, dims, axis.size);
      const n = params.num_consts;
      const b = batchJaxpr(params.call_jaxpr, front.map(() => 0), axis);
      const h = hoistConsts(b.jaxpr);
      const fwd: FlatFwd = (ps) => {
        let statics: unknown;
        let nOut = 0;
        const res: Array[] = vmap((...xs: Array[]) => {
          const [o, r, s] = params.fwd(xs);
          statics = s;
          nOut = o.length;
          return [...o, ...r];
        })(...ps);
        return [res.slice(0, nOut), res.slice(nOut), statics];
      };
      const bwd: FlatBwd = (res, statics, cts) =>
        vmap((...xs: Array[]) => params.bwd(xs.slice(0, res.length), statics, xs.slice(res.length)).map((c, i) => c ?? zeros(front[n + i].aval)), {
          inAxes: 0,
        })(...res, ...cts);
      const outs = bind(customVjpCallP, [...h.consts, ...front], { ...params, call_jaxpr: h.jaxpr, fwd, bwd, num_consts: n + h.consts.length });
      return [outs, b.outDims];
    },
    printParams: ({ name, bwd, call_jaxpr, fwd, symbolic_zeros }) => ({ name, bwd, call_jaxpr, fwd, symbolic_zeros }),
  },
  true,
);

interface CustomVjpFunction<F> {
  (...args: Parameters<F & ((...a: any[]) => any)>): ReturnType<F & ((...a: any[]) => any)>;
  /**
   * `fwd(...args) -> [out, residuals]`; `bwd(...nondiffArgs, residuals, ct) -> cotangents`, one
   * per differentiable argument (a JS array).
   */
  defvjp(fwd: (...args: any[]) => [any, any], bwd: (...args: any[]) => any, opts?: { symbolicZeros?: boolean }): CustomVjpFunction<F>;
}

function customVjpImpl<F extends (...args: any[]) => any>(fun: F, opts: { nondiffArgnums?: number[] } = {}): CustomVjpFunction<F> {
  let rules: { fwd: (...args: any[]) => [any, any]; bwd: (...args: any[]) => any; symbolicZeros: boolean } | null = null;
  const name = fun.name || "<lambda>";
  const f = function (this: unknown, ...args: any[]) {
    const nondiff = normalizeArgnums(opts.nondiffArgnums, args.length, "nondiffArgnums");
    const { vals, inTree, dynIdx, rebuild, nondiffVals } = splitNondiff(args, nondiff);
    const { callJaxpr, consts, outTree } = traceCall((...xs) => fun.apply(this, rebuild(xs)), vals);
    if (!rules) throw new TypeError(`No VJP defined for custom_vjp function ${name} using defvjp.`);
    const { fwd: userFwd, bwd: userBwd } = rules;
    const outAvals = callJaxpr.outAvals;
    const fwd: FlatFwd = (ps) => {
      const r = userFwd.apply(this, rebuild(ps));
      if (!globalThis.Array.isArray(r) || r.length !== 2) throw new TypeError(`Custom VJP fwd rule ${name} must return a pair [output, residuals], got ${String(r)}.`);
      const [po, pTree] = tree.flatten(r[0]);
      const pa = po.map((p: any) => (p instanceof Array ? p : scalar(p)));
      checkRuleOutputs(`Custom VJP fwd rule ${name}`, outTree, pa, pTree, outAvals);
      // Array leaves of the residuals flow through the program; other leaves ride along as static data.
      const [resLeaves, resTree] = tree.flatten(r[1]);
      const isArr = resLeaves.map((l: unknown) => l instanceof Array);
      return [pa, resLeaves.filter((_: unknown, i: number) => isArr[i]), { resTree, resLeaves, isArr }];
    };
    const bwd: FlatBwd = (res, statics, cts) => {
      const { resTree, resLeaves, isArr } = statics as { resTree: tree.TreeDef; resLeaves: unknown[]; isArr: boolean[] };
      let k = 0;
      const resVal = tree.unflatten(resTree, resLeaves.map((l, i) => (isArr[i] ? res[k++] : l)));
      const r = userBwd(...nondiffVals, resVal, tree.unflatten(outTree, cts));
      const nDyn = dynIdx.length;
      if (!globalThis.Array.isArray(r) || r.length !== nDyn) {
        throw new TypeError(
          `Custom VJP bwd rule must produce an output with the same container (pytree) structure as the args tuple of the primal function, ` +
            `and in particular must produce a tuple of length equal to the number of arguments to the primal function, but got bwd output of length ${globalThis.Array.isArray(r) ? r.length : "(not an array)"} for ${nDyn} arguments.`,
        );
      }
      const [leaves] = tree.flatten(r, (x) => x === null);
      const expected = tree.flatten(tree.unflatten(inTree, vals))[0];
      if (leaves.length !== expected.length) {
        throw new TypeError(`Custom VJP bwd rule ${name} returned ${leaves.length} cotangent leaves for ${expected.length} differentiable input leaves.`);
      }
      return leaves.map((c: any, i: number) => {
        if (c === null) return null;
        const ca = c instanceof Array ? c : scalar(c, vals[i].dtype, false);
        if (ca.shape.join() !== vals[i].shape.join()) {
          throw new ValueError(`Custom VJP bwd rule ${name} must produce an output with shapes/dtypes as args tuple of the primal function: got ${ca.aval.str()} for an input of type ${vals[i].aval.str()}.`);
        }
        return ca;
      });
    };
    Object.defineProperty(fwd, "name", { value: userFwd.name || "<lambda>" });
    Object.defineProperty(bwd, "name", { value: userBwd.name || "<lambda>" });
    const outs = bind(customVjpCallP, [...consts, ...vals], { name, call_jaxpr: callJaxpr, fwd, bwd, num_consts: consts.length, symbolic_zeros: rules.symbolicZeros });
    return tree.unflatten(outTree, outs);
  } as unknown as CustomVjpFunction<F>;
  f.defvjp = (fwd, bwd, o = {}) => {
    rules = { fwd, bwd, symbolicZeros: !!o.symbolicZeros };
    return f;
  };
  Object.defineProperty(f, "name", { value: name });
  return f;
}

function customGradientImpl<F extends (...args: any[]) => [any, (ct: any) => any]>(fun: F): (...args: Parameters<F>) => ReturnType<F>[0] {
  const wrapped = customVjpImpl(function (this: unknown, ...args: any[]) {
    return fun.apply(this, args as Parameters<F>)[0];
  });
  wrapped.defvjp(
    (...args: any[]) => {
      const [out, rule] = fun(...(args as Parameters<F>));
      const outLeaves = tree.leaves(out).map((o: any) => (o instanceof Array ? o : scalar(o)));
      // The rule is traced now, so the values it closes over become residuals.
      const { jaxpr, consts } = traceToJaxpr((...cts) => {
        let r = rule(tree.unflatten(tree.structure(out), cts));
        if (!globalThis.Array.isArray(r)) r = [r];
        return tree.leaves(r);
      }, outLeaves.map((o: Array) => o.aval.withWeak(false)));
      return [out, { consts, jaxpr: new RuleJaxpr(jaxpr, args) }];
    },
    (res: { consts: Array[]; jaxpr: RuleJaxpr }, ct: any) => {
      const cts = evalJaxpr(res.jaxpr.jaxpr, res.consts, tree.leaves(ct));
      return tree.unflatten(tree.structure(res.jaxpr.args), cts);
    },
  );
  return wrapped as any;
}

/** Static residual of customGradient: the traced rule and the argument structure. */
class RuleJaxpr {
  constructor(
    readonly jaxpr: Jaxpr,
    readonly args: any[],
  ) {}
}

function closureConvertImpl(fun: (...args: any[]) => any, ...exampleArgs: any[]): [(...args: any[]) => any, Array[]] {
  const [leaves, inTree] = tree.flatten(exampleArgs);
  let outTree: tree.TreeDef | undefined;
  const { jaxpr, consts } = traceToJaxpr((...xs) => {
    const [outs, t] = tree.flatten(fun(...tree.unflatten(inTree, xs)));
    outTree = t;
    return outs;
  }, leaves.map((l) => leafAval(l)));
  const n = exampleArgs.length;
  const converted = (...args: any[]) => {
    const c = args.slice(n) as Array[];
    return tree.unflatten(outTree!, evalJaxpr(jaxpr, c, tree.leaves(args.slice(0, n))));
  };
  return [converted, consts];
}

// ---- the public, checked entry points ----

/**
 * A function with a custom forward-mode rule (`jax.custom_jvp`).
 * @example const f = jax.customJvp((x) => np.log1p(np.exp(x)));
 *   f.defjvp(([x], [t]) => [f(x), t.mul(jax.nn.sigmoid(x))]);
 * @typeParam F - the function's type, which the result keeps
 */
export const customJvp: <F extends (...args: any[]) => any>(fun: F, ...rest: [opts?: { nondiffArgnums?: number[] }] | [nondiffArgnums: number[] | undefined]) => CustomJvpFunction<F> = declareAs("jax.customJvp", "fun:fn, nondiffArgnums?", "nondiffArgnums", customJvpImpl);

/**
 * A function with a custom reverse-mode rule (`jax.custom_vjp`).
 * @example const clip = jax.customVjp((x) => x);
 *   clip.defvjp((x) => [x, null], (_, g) => [np.clip(g, -1, 1)]);
 * @typeParam F - the function's type, which the result keeps
 */
export const customVjp: <F extends (...args: any[]) => any>(fun: F, ...rest: [opts?: { nondiffArgnums?: number[] }] | [nondiffArgnums: number[] | undefined]) => CustomVjpFunction<F> = declareAs("jax.customVjp", "fun:fn, nondiffArgnums?", "nondiffArgnums", customVjpImpl);

/**
 * `fun(...args)` returns `[out, gradFn]` with `gradFn(ct)` giving the input cotangents
 * (`jax.custom_gradient`).
 * @example const f = jax.customGradient((x) => [np.sin(x), (g) => [g.mul(np.cos(x))]]);
 * @typeParam F - the function's type, which the result keeps
 */
export const customGradient: <F extends (...args: any[]) => [any, (ct: any) => any]>(fun: F) => (...args: Parameters<F>) => ReturnType<F>[0] = declareAs("jax.customGradient", "fun:fn", "", customGradientImpl);

/**
 * Hoists the values `fun` closes over (arrays and tracers) into explicit arguments:
 * returns `[converted, consts]` with `converted(...args, ...consts)` equal to `fun(...args)`.
 * @example const [g, consts] = jax.closureConvert((x) => x.mul(w), x);  // consts holds w
 */
export const closureConvert: (fun: (...args: any[]) => any, ...exampleArgs: any[]) => [(...args: any[]) => any, Array[]] = declareAs("jax.closureConvert", "fun:fn, ...exampleArgs:data", "", closureConvertImpl);
