// jax.checkpoint (remat): the `remat2` call primitive whose linearization saves only what
// the policy allows and recomputes the rest inside the backward pass; `checkpointName`
// tags values for the name-based policies.

import { declareAs } from "../core/signature.js";
import { Array } from "../core/array.js";
import { ValueError } from "../core/errors.js";
import { ClosedJaxpr, JaxprEqn } from "../core/jaxpr.js";
import { Primitive } from "../core/primitive.js";
import { convertConstvars, evalJaxpr, traceToJaxpr } from "../core/staging.js";
import { bind, bind1 } from "../core/trace.js";
import * as tree from "../core/tree.js";
import { isUndefined } from "./ad_util.js";
import { hoistConsts, leafAval, normalizeArgnums } from "./jit.js";
import { jvpJaxpr } from "./jvp.js";
import { linearizeCall } from "./linearize.js";
import { Saveable, registerPartialEval, splitCall } from "./partial_eval.js";
import { transposeJaxpr } from "./transpose.js";
import { batchJaxpr } from "./vmap.js";

/** Decides which intermediate values the forward pass may keep for the backward pass. */
export interface CheckpointPolicy {
  /** Whether this equation's result may be kept. @example jax.checkpointPolicies.dotsSaveable.saveable(eqn) */
  saveable(eqn: JaxprEqn): boolean;
  /** JAX's name of the policy. @example String(jax.checkpointPolicies.nothingSaveable)   // "nothing_saveable" */
  toString(): string;
}

const policy = (name: string, saveable: (eqn: JaxprEqn) => boolean): CheckpointPolicy => ({ saveable, toString: () => name });
const isDot = (e: JaxprEqn) => e.primitive.name === "dot_general";
const nameOf = (e: JaxprEqn): string | null => (e.primitive.name === "name" ? e.params.name : null);
const pyNames = (names: string[]) => `frozenset({${names.map((n) => `'${n}'`).join(", ")}})`;

/**
 * `jax.checkpoint_policies`: which residuals `jax.checkpoint` may keep for the backward pass
 * (the rest are recomputed).
 * @example jax.checkpoint(f, {policy: jax.checkpointPolicies.dotsSaveable})   // keep matmul results, recompute the rest
 */
export const checkpointPolicies = {
  /** Keep every residual (no recomputation). @example jax.checkpoint(f, {policy: jax.checkpointPolicies.everythingSaveable}) */
  everythingSaveable: policy("everything_saveable", () => true),
  /** Keep none: recompute everything in the backward pass (the default). @example jax.checkpoint(f, {policy: jax.checkpointPolicies.nothingSaveable}) */
  nothingSaveable: policy("nothing_saveable", () => false),
  /** Keep the results of matmuls (dot_general). @example jax.checkpoint(f, {policy: jax.checkpointPolicies.dotsSaveable}) */
  dotsSaveable: policy("dots_saveable", isDot),
  /** Keep the results of matmuls without batch dimensions. @example jax.checkpoint(f, {policy: jax.checkpointPolicies.dotsWithNoBatchDimsSaveable}) */
  dotsWithNoBatchDimsSaveable: policy("dots_with_no_batch_dims_saveable", (e) => isDot(e) && e.params.dimension_numbers[1][0].length === 0),
  /** Keep only values tagged with these names by `jax.checkpointName`. @example jax.checkpointPolicies.saveOnlyTheseNames("h1", "h2") */
  saveOnlyTheseNames: (...names: string[]) =>
    policy(`SaveOnlyTheseNames(saveable_names=${pyNames(names)})`, (e) => nameOf(e) !== null && names.includes(nameOf(e)!)),
  /** Keep every named value except these. @example jax.checkpointPolicies.saveAnyNamesButThese("big") */
  saveAnyNamesButThese: (...names: string[]) =>
    policy(`SaveAnyNamesButThese(names_not_to_save=${pyNames(names)})`, (e) => nameOf(e) !== null && !names.includes(nameOf(e)!)),
};

interface RematParams {
  jaxpr: ClosedJaxpr;
  prevent_cse: boolean;
  differentiated: boolean;
  policy: CheckpointPolicy | null;
}

const saveableOf = (p: CheckpointPolicy | null): Saveable => (p ? (e) => p.saveable(e) : () => false);

function rebind(params: RematParams, jaxpr: ClosedJaxpr, args: Array[], differentiated = params.differentiated): Array[] {
  const h = hoistConsts(jaxpr);
  return bind(rematP, [...h.consts, ...args], { ...params, jaxpr: h.jaxpr, differentiated });
}

export const rematP: Primitive<RematParams> = new Primitive<RematParams>(
  "remat2",
  {
    abstractEval: (_, { jaxpr }) => jaxpr.outAvals,
    impl: (args, { jaxpr }) => evalJaxpr(jaxpr.jaxpr, jaxpr.consts, args),
    cpu: (inputs, { jaxpr }, ctx) => ctx.evalJaxpr(jaxpr, inputs),
    jvp(primals, tangents, params) {
      const outs = rebind(params, jvpJaxpr(params.jaxpr, tangents.map((t) => t !== null)), [...primals, ...(tangents.filter((t) => t !== null) as Array[])]);
      const n = params.jaxpr.outAvals.length;
      return [outs.slice(0, n), outs.slice(n)];
    },
    // The primal half runs inline now; the tangent half, with whatever must be recomputed, is
    // staged as a differentiated remat2 (JAX's `remat_partial_eval`).
    linearize: (primals, tangents, params) =>
      linearizeCall(
        params.jaxpr,
        primals,
        tangents,
        (half, args, which) => (which === "known" ? evalJaxpr(half.jaxpr, half.consts, args) : rebind(params, half, args, true)),
        saveableOf(params.policy),
      ),
    transpose(cts, args, params) {
      const linear = args.map(isUndefined);
      const outs = rebind(params, transposeJaxpr(params.jaxpr, linear), [...(args.filter((a) => !isUndefined(a)) as Array[]), ...cts]);
      let k = 0;
      return linear.map((l) => (l ? outs[k++] : null));
    },
    batch(args, dims, params, axis) {
      const b = batchJaxpr(params.jaxpr, dims, axis);
      return [rebind(params, b.jaxpr, args), b.outDims];
    },
    printParams: ({ differentiated, jaxpr, policy, prevent_cse }) => ({ differentiated, jaxpr, policy, prevent_cse }),
  },
  true,
);

registerPartialEval("remat2", (eqn, unknowns) => splitCall(eqn, unknowns, saveableOf(eqn.params.policy)));

/** Identity that tags a value for `saveOnlyTheseNames` / `saveAnyNamesButThese`. */
export const nameP: Primitive<{ name: string }> = new Primitive<{ name: string }>("name", {
  abstractEval: ([x]) => [x],
  impl: ([x]) => [x],
  cpu: ([x]) => [x],
  jvp: ([x], [t], params) => [[bind1(nameP, [x], params)], [t]],
  transpose: ([ct]) => [ct],
  batch: ([x], [d], params) => [[bind1(nameP, [x], params)], [d]],
});

function checkpointNameImpl<T>(x: T, name: string): T {
  return tree.map((l: Array) => bind1(nameP, [l], { name }), x);
}

/** Options of `jax.checkpoint`. @example jax.checkpoint(f, {policy: jax.checkpointPolicies.dotsSaveable, staticArgnums: [1]}) */
export interface CheckpointOptions {
  concrete?: boolean;
  policy?: CheckpointPolicy | null;
  preventCse?: boolean;
  staticArgnums?: number | number[];
}

function checkpointImpl<F extends (...args: any[]) => any>(fun: F, opts: CheckpointOptions): F {
  if (opts.concrete) {
    throw new ValueError("The `concrete` option to jax.checkpoint has been removed; use staticArgnums (or lax.cond for value-dependent control flow) instead.");
  }
  const name = fun.name || "<lambda>";
  const wrapped = function (this: unknown, ...args: any[]) {
    const statics = new Set(normalizeArgnums(opts.staticArgnums, args.length, "staticArgnums"));
    const dynIdx = args.map((_, i) => i).filter((i) => !statics.has(i));
    const [leaves, inTree] = tree.flatten(dynIdx.map((i) => args[i]));
    let outTree: tree.TreeDef | undefined;
    const { jaxpr, consts } = traceToJaxpr((...xs) => {
      const dyn = tree.unflatten(inTree, xs);
      const [outs, t] = tree.flatten(fun.apply(this, args.map((a, i) => (statics.has(i) ? a : dyn[dynIdx.indexOf(i)]))));
      outTree = t;
      return outs;
    }, leaves.map((l) => leafAval(l)));
    const outs = bind(rematP, [...consts, ...leaves], {
      jaxpr: new ClosedJaxpr(convertConstvars(jaxpr), []),
      prevent_cse: opts.preventCse ?? true,
      differentiated: false,
      policy: opts.policy ?? null,
    });
    return tree.unflatten(outTree!, outs);
  };
  Object.defineProperty(wrapped, "name", { value: name });
  return wrapped as unknown as F;
}


// ---- the public, checked entry points ----

/**
 * Names `x` for checkpoint policies (`jax.ad_checkpoint.checkpoint_name`).
 * @example jax.checkpoint(f, {policy: jax.checkpointPolicies.saveOnlyTheseNames("h")}) // with checkpointName(h, "h") inside f
 */
export const checkpointName: <T>(x: T, name: string) => T = declareAs("jax.checkpointName", "x, name", "", checkpointNameImpl);

/**
 * Recompute `fun`'s intermediates in the backward pass instead of storing them (`jax.checkpoint`).
 * @example const g = jax.grad(jax.checkpoint((x) => np.sin(np.sin(x))));
 * @typeParam F - the function's type, which the result keeps
 */
export const checkpoint: <F extends (...args: any[]) => any>(fun: F, opts?: CheckpointOptions) => F = declareAs("jax.checkpoint", "fun:fn", "concrete policy preventCse staticArgnums", checkpointImpl);

/**
 * `jax.remat` is `jax.checkpoint`. @example const g = jax.grad(jax.remat(f))
 * @typeParam F - the function's type, which the result keeps
 */
export const remat: <F extends (...args: any[]) => any>(fun: F, opts?: CheckpointOptions) => F = declareAs("jax.remat", "fun:fn", "concrete policy preventCse staticArgnums", checkpointImpl);
