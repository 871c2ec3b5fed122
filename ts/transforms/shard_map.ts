// shardMap (JAX's shard_map): a function written for one device's block of each argument,
// run on every device of a mesh, with the mesh's axis names bound for collectives. The body is
// traced once at the block shapes into the `shard_map` primitive, whose rules make it compose:
// jvp and linearization map the body's own, transposition follows JAX's rules for bodies that
// may not be replicated (JAX's check_vma=False: cotangents of outputs replicated over a mesh
// axis are split evenly across it, those of inputs replicated over one are summed over it),
// vmap adds an unsplit axis to every spec, and partial evaluation passes per-device residuals
// out concatenated over all devices. Where it runs: ts/sharding/run.ts.

import { Array } from "../core/array.js";
import { ShapedArray } from "../core/aval.js";
import { ValueError } from "../core/errors.js";
import { ClosedJaxpr, Jaxpr, JaxprEqn, Var } from "../core/jaxpr.js";
import { Params, Primitive, UndefinedPrimal } from "../core/primitive.js";
import { Mesh, PartitionSpecClass } from "../core/sharding.js";
import { declareAs } from "../core/signature.js";
import { convertConstvars, evalJaxpr, setVmaTyping, traceToJaxpr } from "../core/staging.js";
import { bind, bind1 } from "../core/trace.js";
import * as tree from "../core/tree.js";
import { psumP, pvaryP } from "../primitives/parallel.js";
import { isUndefined, zeros } from "./ad_util.js";
import { moveaxis } from "./batch_util.js";
import { hoistConsts, leafAval } from "./jit.js";
import { jvpJaxpr } from "./jvp.js";
import { partialEvalJaxpr, registerPartialEval } from "./partial_eval.js";
import { checkArgs, checkOutRanks, checkReplication, checkSpecs, specsFor, unmentioned } from "./shard_map_check.js";
import { blockAval, expandShardMap, globalAval } from "./shard_map_expand.js";
import { backwardPass } from "./transpose.js";
import { axisEnv, batchJaxpr, withManualAxes } from "./vmap.js";

export interface ShardMapParams {
  /** The body, over one device's blocks; no constants (they are leading inputs, replicated). */
  jaxpr: ClosedJaxpr;
  mesh: Mesh;
  in_specs: PartitionSpecClass[];
  out_specs: PartitionSpecClass[];
  check_vma: boolean;
  /** The mapped function's name, for messages. */
  name: string;
}

/** Runs `fn` with the mesh's axes bound for collectives in a body being traced (typed: checkVma). */
export const inMeshAxes = <T>(mesh: Mesh, fn: () => T, typed = false): T => withManualAxes(mesh.axisNames.map((name, i) => ({ name, size: mesh.axisSizes[i] })), fn, typed);

// ---- JAX's check_vma typing of a body's values (core/staging.ts applies it while tracing) ----

const namesOf = (params: Params): string[] => ((params.axis_name ?? []) as unknown[]).map(String);
const vmaOf = (avals: readonly ShapedArray[]) => avals.map((a) => a.vma ?? new Set<string>());
const union = (sets: readonly ReadonlySet<string>[]) => new Set(sets.flatMap((x) => [...x]));
const fmtVma = (a: ShapedArray) => `${a.dtype}[${a.shape.join(",")}]${a.vma?.size ? `{V:${[...a.vma].join(",")}}` : ""}`;

/** A loop whose carry leaves the body varying over other axes than it came in: JAX's error. */
function checkCarry(what: string, ins: readonly ShapedArray[], outs: readonly ShapedArray[]): void {
  ins.forEach((a, i) => {
    const [x, y] = [a.vma ?? new Set<string>(), outs[i].vma ?? new Set<string>()];
    if (x.size === y.size && [...x].every((n) => y.has(n))) return;
    const extra = [...y].filter((n) => !x.has(n));
    throw new TypeError(`${what} body function carry input and carry output must have equal types, but they differ:\n\n` +
      `The input carry component ${i} has type ${fmtVma(a)} but the corresponding output carry component has type ${fmtVma(outs[i])}, so the manual axis types do not match.\n\n` +
      (extra.length ? `This might be fixed by applying \`lax.pcast(..., [${extra.map((n) => `"${n}"`).join(", ")}], { to: "varying" })\` to the initial carry value corresponding to the input carry component ${i}.\n` : "") +
      "See https://docs.jax.dev/en/latest/notebooks/shard_map.html#scan-vma for more information.\n\nRevise the function so that all output types match the corresponding input types.");
  });
}

setVmaTyping({
  active: () => axisEnv.some((f) => f.main === null && f.typed),
  pvary: (x, axes) => bind1(pvaryP, [x], { axis_name: axes }),
  rule(prim, params, ins) {
    const names = namesOf(params);
    switch (prim.name) {
      case "pvary": case "all_gather": case "reduce_scatter": case "ppermute": case "all_to_all":
        return [union([ins[0], new Set(names)])];
      case "psum": case "psum_invariant": case "pmax": case "pmin":
        return [new Set([...ins[0]].filter((n) => !names.includes(n)))];
      case "axis_index":
        return [new Set(names)];
      case "jit": case "remat2":
        return vmaOf((params.jaxpr as ClosedJaxpr).outAvals);
      case "custom_jvp_call": case "custom_vjp_call":
        return vmaOf((params.call_jaxpr as ClosedJaxpr).outAvals);
      case "cond": {
        // As JAX: the branches' outputs, whatever the index.
        const per = (params.branches as ClosedJaxpr[]).map((b) => vmaOf(b.outAvals));
        return per[0].map((_, i) => union(per.map((o) => o[i])));
      }
      case "while": {
        const body = params.body_jaxpr as ClosedJaxpr;
        const carryIn = body.jaxpr.invars.slice(params.body_nconsts).map((v) => v.aval);
        checkCarry("while_loop", carryIn, body.outAvals);
        return vmaOf(body.outAvals);
      }
      case "scan": {
        const body = params.jaxpr as ClosedJaxpr;
        const nc = params.num_consts as number, nk = params.num_carry as number;
        checkCarry("scan", body.jaxpr.invars.slice(nc, nc + nk).map((v) => v.aval), body.outAvals.slice(0, nk));
        return vmaOf(body.outAvals);
      }
    }
    return undefined;
  },
});

const REPLICATED = new PartitionSpecClass();
/** How per-device values (residuals) leave a shard_map: concatenated over every device along a new leading axis. */
const perDevice = (mesh: Mesh) => new PartitionSpecClass(mesh.axisNames.length === 1 ? mesh.axisNames[0] : [...mesh.axisNames]);
const sizeOf = (mesh: Mesh, names: string[]) => names.reduce((n, m) => n * mesh.axisSize(m), 1);

/**
 * Where shard_map runs: set by ts/sharding/run.ts (devices in parallel where they can, else one
 * program over the whole arrays). Kept out of this module so that transformations stay backend-free.
 */
let runShardMap: ((args: Array[], params: ShardMapParams) => Array[]) | null = null;
export function setShardMapRunner(f: (args: Array[], params: ShardMapParams) => Array[]): void {
  runShardMap = f;
}

/** Binds a shard_map of `body` (its constants become leading replicated inputs). */
function bindShardMap(body: ClosedJaxpr, args: Array[], inSpecs: PartitionSpecClass[], outSpecs: PartitionSpecClass[], p: ShardMapParams): Array[] {
  const { jaxpr, consts } = hoistConsts(body);
  return bind(shardMapP, [...consts, ...args], {
    ...p, jaxpr, in_specs: [...consts.map(() => REPLICATED), ...inSpecs], out_specs: outSpecs,
  } satisfies ShardMapParams);
}

/**
 * A body split by which inputs are known: the known half returns its residuals (per-device
 * values) with a leading unit axis, so that they leave the shard_map concatenated over the
 * devices, and the unknown half takes them so.
 */
function splitBody(p: ShardMapParams, body: Jaxpr, unknowns: boolean[], instantiate: boolean[]) {
  const pe = partialEvalJaxpr(body, unknowns, instantiate);
  const nRes = pe.numResiduals;
  const nKnownOut = pe.known.outvars.length - nRes;
  const resAvals = pe.known.outvars.slice(nKnownOut).map((v) => v.aval);
  const unit = (a: ShapedArray) => a.withShape([1, ...a.shape]);
  const [k, u] = inMeshAxes(p.mesh, () => [
    traceToJaxpr((...xs) => {
      const o = evalJaxpr(pe.known, [], xs);
      return [...o.slice(0, nKnownOut), ...o.slice(nKnownOut).map((r) => r.reshape([1, ...r.shape]))];
    }, pe.known.invars.map((v) => v.aval)),
    traceToJaxpr((...xs) => evalJaxpr(pe.unknown, [], [...xs.slice(0, nRes).map((r) => r.reshape(r.shape.slice(1))), ...xs.slice(nRes)]),
      [...resAvals.map(unit), ...pe.unknown.invars.slice(nRes).map((v) => v.aval)]),
  ], p.check_vma);
  return { known: new ClosedJaxpr(k.jaxpr, k.consts), unknown: new ClosedJaxpr(u.jaxpr, u.consts), nRes, resAvals, outUnknowns: pe.outUnknowns };
}

export const shardMapP: Primitive<ShardMapParams> = new Primitive<ShardMapParams>(
  "shard_map",
  {
    abstractEval: (_, p) => p.jaxpr.jaxpr.outvars.map((v, i) => globalAval(v.aval, p.out_specs[i], p.mesh)),
    impl(args, p) {
      if (!runShardMap) throw new Error("internal: no shard_map runner is installed (import webjax from its entry point).");
      return runShardMap(args, p);
    },
    expand: (p) => expandShardMap(p),
    cpu: (inputs, p, ctx) => ctx.evalJaxpr(expandShardMap(p), inputs),
    jvp(primals, tangents, p) {
      const nz = tangents.map((t) => t !== null);
      const body = inMeshAxes(p.mesh, () => jvpJaxpr(p.jaxpr, nz), p.check_vma);
      const outs = bindShardMap(body, [...primals, ...(tangents.filter((t) => t !== null) as Array[])], [...p.in_specs, ...p.in_specs.filter((_, i) => nz[i])], [...p.out_specs, ...p.out_specs], p);
      const n = p.out_specs.length;
      return [outs.slice(0, n), outs.slice(n)];
    },
    linearize(primals, tangents, p) {
      const nz = tangents.map((t) => t !== null);
      const jvp = inMeshAxes(p.mesh, () => jvpJaxpr(p.jaxpr, nz), p.check_vma);
      const j = convertConstvars(jvp.jaxpr);
      const nIn = jvp.consts.length + primals.length;
      const nOut = p.out_specs.length;
      const s = splitBody(p, j, j.invars.map((_, i) => i >= nIn), j.outvars.map((_, i) => i >= nOut));
      if (s.outUnknowns.slice(0, nOut).some(Boolean)) throw new Error("internal: a primal output of a shard_map depends on tangents.");
      const res = perDevice(p.mesh);
      const known = bindShardMap(s.known, [...jvp.consts, ...primals], [...jvp.consts.map(() => REPLICATED), ...p.in_specs], [...p.out_specs, ...s.resAvals.map(() => res)], p);
      const tIn = tangents.filter((t) => t !== null) as Array[];
      const touts = bindShardMap(s.unknown, [...known.slice(nOut), ...tIn], [...s.resAvals.map(() => res), ...p.in_specs.filter((_, i) => nz[i])], p.out_specs, p);
      return [known.slice(0, nOut), touts];
    },
    transpose(cts, args, p) {
      const linear = args.map(isUndefined);
      const inBlock = p.jaxpr.jaxpr.invars.map((v) => v.aval);
      const outBlock = p.jaxpr.jaxpr.outvars.map((v) => v.aval);
      // Typed (checkVma), the body's own pvary and psum_invariant equations account for
      // replicated values, as in JAX; untyped, the boundary does.
      const typed = p.check_vma;
      const body = inMeshAxes(p.mesh, () => traceToJaxpr((...xs) => {
        let k = 0;
        const bargs = inBlock.map((a, i) => (linear[i] ? new UndefinedPrimal(a) : xs[k++]));
        // Outputs replicated over some mesh axes: each device's copy takes an even share of the cotangent.
        const bcts = xs.slice(k).map((c, i) => {
          const n = typed ? 1 : sizeOf(p.mesh, unmentioned(p.mesh, p.out_specs[i]));
          return n === 1 ? c : c.div(n);
        });
        const res = backwardPass(p.jaxpr.jaxpr, p.jaxpr.consts, bargs, bcts);
        // Inputs replicated over some mesh axes: every device's cotangent counts.
        return inBlock.flatMap((a, i) => {
          if (!linear[i]) return [];
          const names = typed ? [] : unmentioned(p.mesh, p.in_specs[i]);
          return [res[i] === null ? zeros(a) : names.length ? bind1(psumP, [res[i]!], { axis_name: names }) : res[i]!];
        });
      }, [...inBlock.filter((_, i) => !linear[i]), ...outBlock]), typed);
      const nl = args.filter((_, i) => !linear[i]) as Array[];
      const outs = bindShardMap(new ClosedJaxpr(body.jaxpr, body.consts), [...nl, ...cts], [...p.in_specs.filter((_, i) => !linear[i]), ...p.out_specs], p.in_specs.filter((_, i) => linear[i]), p);
      let k = 0;
      return linear.map((l) => (l ? outs[k++] : null));
    },
    batch(args, dims, p, axis) {
      if (axis.spmdName !== null) throw new ValueError("vmap's spmdAxisName around a shardMap is not supported by webjax; vmap without it, or add the axis to the mesh.");
      const moved = args.map((a, i) => (dims[i] === null ? a : moveaxis(a, dims[i]!, 0)));
      const bdims = dims.map((d) => (d === null ? null : 0));
      const { jaxpr, outDims } = inMeshAxes(p.mesh, () => batchJaxpr(p.jaxpr, bdims, axis), p.check_vma);
      const front = (s: PartitionSpecClass) => new PartitionSpecClass(null, ...s.partitions);
      const outs = bindShardMap(jaxpr, moved, p.in_specs.map((s, i) => (bdims[i] === null ? s : front(s))), p.out_specs.map((s, i) => (outDims[i] === null ? s : front(s))), p);
      return [outs, outDims];
    },
    // As JAX prints it (its reprs of meshes and specs are theirs' toString).
    printParams: (p) => ({
      check_vma: p.check_vma, in_specs: p.in_specs, jaxpr: p.jaxpr, mesh: p.mesh, out_specs: p.out_specs,
      newly_manual_axes: { toString: () => `frozenset({${p.mesh.axisNames.map((n) => `'${n}'`).join(", ")}})` },
    }),
  },
  true,
);

registerPartialEval("shard_map", (eqn: JaxprEqn, unknowns: boolean[]) => {
  const p = eqn.params as ShardMapParams;
  const s = splitBody(p, p.jaxpr.jaxpr, unknowns, eqn.outvars.map(() => false));
  const res = perDevice(p.mesh);
  const resVars = s.resAvals.map((a) => new Var(globalAval(new ShapedArray([1, ...a.shape], a.dtype, a.weakType), res, p.mesh)));
  const params = (j: ClosedJaxpr, ins: PartitionSpecClass[], outs: PartitionSpecClass[]): Params => {
    if (j.consts.length) throw new Error("internal: a split shard_map body closed over constants.");
    return { ...p, jaxpr: j, in_specs: ins, out_specs: outs };
  };
  const known = new JaxprEqn(shardMapP, eqn.inputs.filter((_, i) => !unknowns[i]),
    params(s.known, p.in_specs.filter((_, i) => !unknowns[i]), [...p.out_specs.filter((_, i) => !s.outUnknowns[i]), ...s.resAvals.map(() => res)]),
    [...eqn.outvars.filter((_, i) => !s.outUnknowns[i]), ...resVars], eqn.nameStack);
  const unknown = new JaxprEqn(shardMapP, [...resVars, ...eqn.inputs.filter((_, i) => unknowns[i])],
    params(s.unknown, [...s.resAvals.map(() => res), ...p.in_specs.filter((_, i) => unknowns[i])], p.out_specs.filter((_, i) => s.outUnknowns[i])),
    eqn.outvars.filter((_, i) => s.outUnknowns[i]), eqn.nameStack);
  return { known, unknown, outUnknowns: s.outUnknowns };
});

/** Options of `jax.shardMap` (JAX's keywords in camelCase). @example jax.shardMap(f, {mesh, inSpecs: P("i"), outSpecs: P()}) */
export interface ShardMapOptions {
  mesh: Mesh;
  inSpecs: unknown;
  outSpecs: unknown;
  /** The mesh axes the function is manual over: all of them (webjax has no partly manual shardMap). */
  axisNames?: Iterable<string>;
  /** Check that outputs whose outSpecs leave out a mesh axis are replicated over it (default true). */
  checkVma?: boolean;
}

/** The meshes of shardMap bodies being traced now (they do not nest). */
const tracing: Mesh[] = [];

function shardMapImpl<F extends (...args: any[]) => any>(f: F, opts: ShardMapOptions): F {
  const { mesh, inSpecs, outSpecs, checkVma = true } = opts;
  if (!(mesh instanceof Mesh)) {
    throw new TypeError(`shard_map requires a \`jax.sharding.Mesh\` or a \`jax.sharding.AbstractMesh\` instance for its second argument, but got ${String(mesh)} of type ${typeof mesh}.`);
  }
  if (opts.axisNames !== undefined) {
    const names = new Set(opts.axisNames);
    if (names.size && (names.size !== mesh.axisNames.length || mesh.axisNames.some((n) => !names.has(n)))) {
      throw new ValueError(`shardMap: axisNames ${[...names].join(", ")} leave some of the mesh's axes (${mesh.axisNames.join(", ")}) to the compiler; webjax's shardMap is manual over every mesh axis. Leave axisNames out.`);
    }
  }
  checkSpecs(inSpecs, mesh, "in");
  checkSpecs(outSpecs, mesh, "out");
  const name = f.name || "<lambda>";
  const mapped = function (this: unknown, ...args: any[]) {
    const outer = tracing[tracing.length - 1];
    if (outer) {
      // JAX 0.10: inside a shard_map body the context mesh is the outer one, all manual.
      const plat = outer.deviceList[0].platform;
      throw new ValueError(`The context mesh AbstractMesh(${outer.axisNames.map((n, i) => `'${n}': ${outer.axisSizes[i]}`).join(", ")}, ` +
        `axis_types=(${outer.axisNames.map(() => "Manual").join(", ")}${outer.axisNames.length === 1 ? "," : ""}), device_kind=${plat}, num_cores=None, platform=${plat}) ` +
        `should match the mesh passed to shard_map ${mesh}. (shardMap and pmap do not nest: map over a mesh with several axes instead.)`);
    }
    const [leaves, inTree] = tree.flatten(args);
    const ins = specsFor(inSpecs, args, "in_specs");
    const avals = leaves.map((l) => leafAval(l));
    checkArgs(f, mesh, ins, avals, topLevelIndices(args));
    // Typed (checkVma): a block varies over the mesh axes its spec splits it along.
    const blocks = avals.map((a, i) => blockAval(a, ins[i].spec, mesh).withVma(checkVma ? new Set(ins[i].spec.names()) : undefined));
    let outTree: tree.TreeDef | undefined;
    let outs: { spec: PartitionSpecClass; path: string }[] = [];
    tracing.push(mesh);
    let body: { jaxpr: Jaxpr; consts: Array[] };
    try {
      body = inMeshAxes(mesh, () => traceToJaxpr((...xs) => {
        const r = f.apply(this, tree.unflatten(inTree, xs));
        const [o, t] = tree.flatten(r);
        outTree = t;
        outs = specsFor(outSpecs, r, "out_specs");
        return o;
      }, blocks), checkVma);
    } finally {
      tracing.pop();
    }
    checkOutRanks(f, outs, body.jaxpr.outvars.map((v) => v.aval));
    const closed = hoistConsts(new ClosedJaxpr(body.jaxpr, body.consts));
    if (checkVma) checkReplication(f, mesh, outs, closed.jaxpr.jaxpr.outvars.map((v) => new Set(v.aval.vma ?? [])));
    const params: ShardMapParams = {
      jaxpr: closed.jaxpr, mesh, check_vma: checkVma, name,
      in_specs: [...closed.consts.map(() => REPLICATED), ...ins.map((s) => s.spec)], out_specs: outs.map((s) => s.spec),
    };
    const results = bind(shardMapP, [...closed.consts, ...leaves], params);
    return tree.unflatten(outTree!, results);
  };
  Object.defineProperty(mapped, "name", { value: `shard_map(${name})` });
  return mapped as unknown as F;
}

/** The positional argument each leaf of `args` belongs to (JAX names them args[i]). */
function topLevelIndices(args: unknown[]): number[] {
  return args.flatMap((a, i) => tree.leaves(a).map(() => i));
}

/**
 * Maps `f` over blocks of its arguments, one per device of `mesh` (JAX's `shard_map`): `inSpecs`
 * say how each argument is split (a PartitionSpec, or a pytree prefix of them), `outSpecs` how
 * the blocks of each result are put together; inside `f`, collectives (`lax.psum`, ...) name
 * mesh axes.
 * @typeParam F - the function's type, which the result keeps
 * @example
 * const mesh = jax.makeMesh([4], ["i"]);
 * const f = jax.shardMap((x) => x.sub(lax.pmean(x, "i")), { mesh, inSpecs: P("i"), outSpecs: P("i") });
 * f(np.arange(8))   // each device's block minus the mean over all devices
 */
export const shardMap: <F extends (...args: any[]) => any>(f: F, opts: ShardMapOptions) => F = declareAs("jax.shardMap", "f:fn", "mesh inSpecs outSpecs axisNames checkVma", shardMapImpl);
