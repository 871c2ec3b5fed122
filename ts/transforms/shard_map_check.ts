// shardMap's checks, with JAX 0.10.2's messages: specs that are not PartitionSpecs or name axes
// the mesh lacks, specs longer than their values' rank, sizes the mesh does not divide, and
// (check_vma) outputs whose out_specs promise replication that the body does not show (the
// mesh axes each output varies over, as the typed trace of the body says: shard_map.ts).

import { prod } from "../core/aval.js";
import { ValueError } from "../core/errors.js";
import { Mesh, NamedSharding, PartitionSpecClass } from "../core/sharding.js";
import * as tree from "../core/tree.js";
import { paramNames } from "./jit.js";

const isSpec = (x: unknown) => x instanceof PartitionSpecClass;
const pyTuple = (xs: string[]) => `(${xs.join(", ")}${xs.length === 1 ? "," : ""})`;
const frozenset = (names: readonly string[]) => `frozenset({${names.map((n) => `'${n}'`).join(", ")}})`;

/** `[i]` and `['k']` steps of a pytree path, as JAX's keystr. */
function keyPaths(x: unknown, isLeaf: (x: unknown) => boolean, path = "", out: string[] = []): string[] {
  if (isLeaf(x) || x === null || x === undefined || typeof x !== "object") out.push(path);
  else if (globalThis.Array.isArray(x)) x.forEach((c, i) => keyPaths(c, isLeaf, `${path}[${i}]`, out));
  else if (tree.isPlainObject(x)) Object.keys(x).sort().forEach((k) => keyPaths((x as any)[k], isLeaf, `${path}['${k}']`, out));
  else out.push(path);
  return out;
}

/** The specs of each leaf of `full`, with the path of the spec that covers it (for messages). */
export function specsFor(specs: unknown, full: unknown, what: "in_specs" | "out_specs"): { spec: PartitionSpecClass; path: string }[] {
  const paths = keyPaths(specs, isSpec);
  const [leaves, def] = tree.flatten(specs, isSpec);
  const index = tree.unflatten(def, leaves.map((_, i) => i));
  let per: number[];
  try {
    per = tree.broadcastPrefix(index, full, `shard_map ${what}`);
  } catch (e) {
    throw new ValueError(`pytree structure error: the prefix pytree shard_map ${what} is not a prefix of the ${what === "in_specs" ? "arguments" : "outputs"}: ${(e as Error).message}`);
  }
  return per.map((i) => ({ spec: leaves[i] as PartitionSpecClass, path: paths[i] }));
}

/** JAX's check of the specs themselves (before anything is traced). */
export function checkSpecs(specs: unknown, mesh: Mesh, what: "in" | "out"): void {
  if (what === "in" && (specs === null || specs === undefined)) {
    throw new TypeError("shard_map in_specs argument must be a pytree of `jax.sharding.PartitionSpec` instances, but it was None.\n" +
      "Instead of `in_specs=None`, did you mean `in_specs=P()`, where `P = jax.sharding.PartitionSpec`?");
  }
  const paths = keyPaths(specs, isSpec);
  const leaves = tree.leaves(specs, isSpec);
  const typeName = (x: unknown) => (x === null ? "NoneType" : typeof x === "number" ? (Number.isInteger(x) ? "int" : "float") : typeof x === "object" ? (x as object).constructor?.name ?? "object" : typeof x);
  const notSpecs = leaves.flatMap((x, i) => (isSpec(x) ? [] : [`  ${what}_specs${paths[i]} is ${String(x)} of type ${typeName(x)}, `]));
  if (notSpecs.length) {
    throw new TypeError(`shard_map ${what}_specs argument must be a pytree of \`jax.sharding.PartitionSpec\` instances, but:\n\n${notSpecs.join("\n\n")}\n\nCheck the ${what}_specs values passed to shard_map.`);
  }
  const bad = leaves.flatMap((p, i) => (p as PartitionSpecClass).names().filter((n) => !mesh.axisNames.includes(n)).map((n) => `  ${what}_specs${paths[i]} refers to '${n}'`));
  if (bad.length) {
    throw new ValueError(`shard_map ${what}_specs argument must refer to an axis marked as manual (${frozenset(mesh.axisNames)}), but:\n\n${bad.join("\n\n")}\n\nCheck the ${what}_specs values passed to shard_map.`);
  }
}

const funName = (f: Function) => f.name || "<lambda>";

/** `args[i]`, bound to f's parameter `p` where the function names it. */
function argWhere(f: Function, i: number): string {
  const names = paramNames(f);
  return names[i] ? `, where args[${i}] is bound to ${funName(f)}'s parameter '${names[i]}',` : "";
}

const shortType = (shape: readonly number[], dtype: string) => `${dtype}[${shape.join(",")}]`;

/** Arguments whose rank is below their spec's length, or whose sizes the mesh does not divide. */
export function checkArgs(f: Function, mesh: Mesh, specs: { spec: PartitionSpecClass; path: string }[], args: { shape: readonly number[]; dtype: string }[], argIndex: number[]): void {
  const rank = specs.flatMap(({ spec, path }, i) => {
    const a = args[i];
    if (spec.length <= a.shape.length) return [];
    return [`in_specs${path} is ${spec} which has length ${spec.length}, but the passed args[${argIndex[i]}]${argWhere(f, argIndex[i])} has shape ${shortType(a.shape, a.dtype)}, ` +
      `which has rank ${a.shape.length} (and ${a.shape.length} < ${spec.length})`];
  });
  if (rank.length) {
    const name = funName(f);
    throw new ValueError(`shard_map applied to the function '${name}' was given an in_specs entry which is too long to be compatible with the corresponding input value from the function:\n\n` +
      `${bullets(rank)}\n\nEntries in in_specs must be of length no greater than the number of axes in the corresponding input value.\n\n` +
      `Either revise the spec to be shorter, or modify '${name}' so that its inputs have sufficient rank.` +
      (specs.some((_, i) => args[i].shape.length === 0 && specs[i].spec.length > 0) ? "\n\nFor scalar values (rank 0), consider using an in_specs entry of `P()`, where `P = jax.sharding.PartitionSpec`." : ""));
  }
  const divide = specs.flatMap(({ spec, path }, i) => {
    const a = args[i];
    return a.shape.flatMap((n, d) => {
      const names = spec.namesAt(d);
      const size = prod(names.map((m) => mesh.axisSize(m)));
      if (n % size === 0) return [];
      const axis = names.length > 1 ? `axes ${pyTuple(names.map((m) => `'${m}'`))}` : `axis '${names[0]}'`;
      return [`the passed args[${argIndex[i]}] of shape ${shortType(a.shape, a.dtype)}${argWhere(f, argIndex[i])} corresponds to in_specs${path} of value ${spec}, which maps array axis ${d} ` +
        `(of size ${n}) to mesh ${axis} (of ${names.length > 1 ? "total " : ""}size ${size}), but ${size} does not evenly divide ${n}`];
    });
  });
  if (divide.length) {
    const name = funName(f);
    throw new ValueError(`shard_map applied to the function '${name}' was given argument arrays with axis sizes that are not evenly divisible by the corresponding mesh axis sizes:\n\n` +
      `${meshLine(mesh)}\n\n${bullets(divide)}\n\nArray arguments' axis sizes must be evenly divisible by the mesh axis or axes indicated by the corresponding elements of the argument's in_specs entry. ` +
      `Consider checking that in_specs are correct, and if so consider changing the mesh axis sizes or else padding the input and adapting '${name}' appropriately.`);
  }
}

const bullets = (msgs: string[]) => (msgs.length === 1 ? msgs[0] : msgs.map((m) => `* ${m}`).join("\n\n"));
const meshLine = (mesh: Mesh) => `The mesh given has shape ${pyTuple(mesh.axisSizes.map(String))} with corresponding axis names ${pyTuple(mesh.axisNames.map((n) => `'${n}'`))}.`;

/** Outputs whose rank is below their out spec's length. */
export function checkOutRanks(f: Function, specs: { spec: PartitionSpecClass; path: string }[], outs: { shape: readonly number[]; dtype: string }[]): void {
  const msgs = specs.flatMap(({ spec, path }, i) => {
    const o = outs[i];
    return spec.length <= o.shape.length ? [] : [`out_specs${path} is ${spec} which has length ${spec.length}, but ${funName(f)}(*args)${outs.length > 1 ? `[${i}]` : ""} has shape ${shortType(o.shape, o.dtype)}, which has rank ${o.shape.length} (and ${o.shape.length} < ${spec.length})`];
  });
  if (!msgs.length) return;
  const name = funName(f);
  const scalar = specs.some((s, i) => outs[i].shape.length === 0 && s.spec.length > 0);
  throw new ValueError(`shard_map applied to the function '${name}' was given an out_specs entry which is too long to be compatible with the corresponding output value from the function:\n\n` +
    `${bullets(msgs)}\n\nEntries in out_specs must be of length no greater than the number of axes in the corresponding output value.\n\n` +
    `Either revise the spec to be shorter, or modify '${name}' so that its outputs have sufficient rank.` +
    (scalar ? "\n\nFor scalar values (rank 0), consider using an out_specs entry of `P()`, where `P = jax.sharding.PartitionSpec`. " +
      "In particular, for rank 0 outputs which are not constant over the mesh, add at least one (singleton) axis to them so that they can be concatenated using out_specs." : ""));
}

/** check_vma: every output must be invariant over the mesh axes its out spec leaves out. */
export function checkReplication(f: Function, mesh: Mesh, specs: { spec: PartitionSpecClass; path: string }[], varying: Set<string>[]): void {
  const inOrder = (names: Iterable<string>) => mesh.axisNames.filter((n) => new Set(names).has(n));
  const msgs = specs.flatMap(({ spec, path }, i) => {
    const unmentioned = mesh.axisNames.filter((n) => !spec.names().includes(n));
    const varies = unmentioned.filter((n) => varying[i].has(n));
    if (!varies.length) return [];
    if (unmentioned.length > 1) {
      return [`out_specs${path} is ${spec} which implies that the corresponding output value is only varying across mesh axes {${inOrder(spec.names()).join(",")}} ` +
        `and not {${varies.join(",")}}, but it was inferred to be possibly varying over {${inOrder(varying[i]).join(",")}}`];
    }
    return [`out_specs${path} is ${spec} which implies that the corresponding output value is replicated across mesh axis '${unmentioned[0]}', but could not infer replication over any axes`];
  });
  if (!msgs.length) return;
  throw new ValueError(`shard_map applied to the function '${funName(f)}' was given out_specs which require replication which can't be statically inferred given the mesh:\n\n` +
    `${meshLine(mesh)}\n\n${bullets(msgs)}\n\nCheck if these output values are meant to be replicated over those mesh axes. If not, consider revising the corresponding out_specs entries. ` +
    "If so, consider disabling the check by passing the check_vma=False argument to `jax.shard_map` (webjax: checkVma: false).");
}

/** The mesh axes a spec does not name (over which a value with that spec is replicated). */
export function unmentioned(mesh: Mesh, spec: PartitionSpecClass): string[] {
  const named = new Set(spec.names());
  return mesh.axisNames.filter((n) => !named.has(n));
}

/** NamedSharding's check that a global shape fits a spec, as shardMap's arguments need it. */
export const shardingOf = (mesh: Mesh, spec: PartitionSpecClass) => new NamedSharding(mesh, spec);
