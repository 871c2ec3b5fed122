// The interpreter stack (Autodidax's design): each active transformation is a MainTrace at a
// level; `bind` hands a primitive to the innermost trace that owns one of its arguments.

import { Array, ConcreteArray, Tracer, setTransformingProbe } from "./array.js";
import { ShapedArray } from "./aval.js";
import { Backend, BackendName, Buffer, deviceOf, getBackend } from "./backend.js";
import { DType, allocHost, castScalar, float16Bits } from "./dtype.js";
import { UnexpectedTracerError, ValueError } from "./errors.js";
import { Jaxpr, JaxprEqn, Var, paramsKey } from "./jaxpr.js";
import { Params, Primitive } from "./primitive.js";
import { hostFromValues, hostValues } from "./host.js";

export type TraceClass = new (main: MainTrace) => Trace;

export class MainTrace {
  active = true;
  /** Traces hold no state but their main: one instance serves every bind. */
  trace: Trace | undefined;
  constructor(
    readonly level: number,
    readonly traceType: TraceClass,
    readonly globalData: any,
  ) {}
}

export abstract class Trace {
  constructor(readonly main: MainTrace) {}
  /** Wraps a value from outside any transformation (a concrete array or a JS scalar). */
  abstract pure(x: Array | number | boolean): Array;
  /** Wraps a tracer of a lower (outer) level. */
  lift(x: Array): Array {
    return this.pure(x);
  }
  abstract processPrimitive(prim: Primitive, args: Array[], params: Params): Array[];
}

/** Level 0: evaluate on a backend. */
export class EvalTrace extends Trace {
  pure(x: Array | number | boolean): Array {
    if (x instanceof Array) return x;
    return scalar(x);
  }
  processPrimitive(prim: Primitive, args: Array[], params: Params): Array[] {
    if (prim.rules.impl) return prim.rules.impl(args, params);
    return runEager(prim, params, args as ConcreteArray[]);
  }
}

const traceStack: MainTrace[] = [new MainTrace(0, EvalTrace, null)];
let dynamicTrace: MainTrace | null = null;

/** Runs `fn` with a new transformation level pushed on the stack. */
export function withMainTrace<T>(traceType: TraceClass, globalData: any, fn: (main: MainTrace) => T): T {
  const main = new MainTrace(traceStack.length, traceType, globalData);
  traceStack.push(main);
  try {
    return fn(main);
  } finally {
    traceStack.pop();
    main.active = false;
  }
}

/** Makes `main` catch every primitive, even those with no traced inputs (staging for jit). */
export function withDynamicTrace<T>(main: MainTrace, fn: () => T): T {
  const prev = dynamicTrace;
  dynamicTrace = main;
  try {
    return fn();
  } finally {
    dynamicTrace = prev;
  }
}

export function currentLevel(): number {
  return traceStack.length - 1;
}

/** Whether a transformation is tracing (arrays made now may be captured by it). */
export function transforming(): boolean {
  return traceStack.length > 1 || dynamicTrace !== null;
}
setTransformingProbe(transforming);

function checkActive(t: Tracer): void {
  if (!t.trace.main.active) {
    throw new UnexpectedTracerError(`${t.toString()} was created by a transformation that has already returned`);
  }
}

// Collectives name the axes they act over; the trace that maps such an axis must process them
// even when none of their inputs vary along it (vmap installs the lookup).
let axisMainOf: ((params: Params) => MainTrace | null) | null = null;
export function setAxisMainResolver(f: (params: Params) => MainTrace | null): void {
  axisMainOf = f;
}

export function findTopTrace(args: readonly unknown[], params?: Params): Trace {
  let top = traceStack[0];
  if (params && axisMainOf) {
    const m = axisMainOf(params);
    if (m && m.level > top.level) top = m;
  }
  for (const a of args) {
    if (a instanceof Tracer) {
      checkActive(a);
      if (a.trace.main.level > top.level) top = a.trace.main;
    }
  }
  if (dynamicTrace && dynamicTrace.level > top.level) top = dynamicTrace;
  return (top.trace ??= new top.traceType(top));
}

export function fullRaise(trace: Trace, x: Array | number | boolean): Array {
  if (!(x instanceof Tracer)) return trace.pure(x);
  checkActive(x);
  const level = trace.main.level;
  if (x.trace.main === trace.main) return x;
  if (x.trace.main.level < level) return trace.lift(x);
  throw new UnexpectedTracerError(
    `${x.toString()} belongs to a transformation (level ${x.trace.main.level}) that is not the one running (level ${level})`,
  );
}

export function fullLower(x: Array): Array {
  return x instanceof Tracer ? x.fullLower() : x;
}

/** Applies a primitive to arguments, whatever transformations are active. */
export function bind(prim: Primitive, args: readonly (Array | number | boolean)[], params: Params = {}): Array[] {
  const trace = findTopTrace(args, params);
  const tracers = args.map((a) => fullRaise(trace, a));
  return trace.processPrimitive(prim, tracers, params).map(fullLower);
}

export function bind1(prim: Primitive, args: readonly (Array | number | boolean)[], params: Params = {}): Array {
  return bind(prim, args, params)[0];
}

// ---- eager evaluation: a cached one-equation program, the same path jit takes ----

// Keyed by primitive, params, arity, then each argument's type: a walk down nested maps that
// builds no key string per call. Bounded: past EAGER_PROGRAMS entries it starts over (a program
// that comes back is traced again; its compiled form leaves the backend's cache by LRU).
type KeyTrie = Map<unknown, KeyTrie | Jaxpr>;
let eagerPrograms: KeyTrie = new Map();
let eagerCount = 0;
const EAGER_PROGRAMS = 4096;

function runEager(prim: Primitive, params: Params, args: ConcreteArray[]): Array[] {
  let node = eagerPrograms;
  const path: unknown[] = [prim, paramsKey(params), args.length];
  for (const a of args) path.push(a.aval.key());
  for (let i = 0; i < path.length - 1; i++) {
    let next = node.get(path[i]) as KeyTrie | undefined;
    if (!next) node.set(path[i], (next = new Map()));
    node = next;
  }
  let jaxpr = node.get(path[path.length - 1]) as Jaxpr | undefined;
  if (!jaxpr) {
    const avals = args.map((a) => a.aval);
    const invars = avals.map((a) => new Var(a));
    const outs = prim.rules.abstractEval(avals, params).map((a) => new Var(a));
    jaxpr = new Jaxpr([], invars, [new JaxprEqn(prim, invars, params, outs)], outs);
    if (++eagerCount > EAGER_PROGRAMS) {
      eagerPrograms = new Map();
      eagerCount = 0;
      return runEager(prim, params, args);
    }
    node.set(path[path.length - 1], jaxpr);
  }
  return executeJaxpr(jaxpr, args, { what: prim.name, argNames: args.length <= 2 ? ["x", "y"] : undefined });
}

/**
 * Where a computation on `args` runs (JAX's placement rule): on `explicit` (jit's backend) if
 * given; else where its committed arguments are (they must agree); else on WebGPU if any
 * argument is there (implicit moves go only toward WebGPU: moving back reads asynchronously);
 * else on the default backend. Outputs are committed when the placement was (an explicit
 * backend, or committed arguments).
 */
export function placement(args: readonly ConcreteArray[], explicit?: Backend): { backend: Backend; commit: boolean } {
  let committed: ConcreteArray | undefined;
  for (const a of args) {
    if (!a.committed) continue;
    const where = explicit ?? committed?.backend;
    if (where && a.backend !== where) {
      throw new ValueError(`Received incompatible devices for a computation: ${explicit ? `it runs on ${deviceOf(explicit)} (jit's backend)` : `an argument is committed to ${deviceOf(committed!.backend, committed!.deviceId)}`} ` +
        `and another is committed to ${deviceOf(a.backend, a.deviceId)}. Move the arrays to one device first: jax.devicePut(x, "${where.name}")` +
        `${a.backend.syncReads ? "" : ` (from WebGPU: await jax.devicePutAsync(x, "${where.name}"))`}.`);
    }
    committed ??= a;
  }
  if (explicit) return { backend: explicit, commit: true };
  if (committed) return { backend: committed.backend, commit: true };
  const gpu = args.find((a) => !a.backend.syncReads);
  return { backend: gpu?.backend ?? getBackend(), commit: false };
}

/**
 * The device of `backend` a computation runs on: that of its committed arguments there (JAX's
 * rule), else the backend's first. Arguments committed to different devices are JAX's error.
 */
export function devicePlacement(backend: Backend, args: readonly ConcreteArray[], what = "the computation", argNames?: readonly string[]): { device: number; committed: boolean } {
  let at = -1;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (!a.committed || a.backend !== backend) continue;
    if (at < 0) at = i;
    else if (a.deviceId !== args[at].deviceId) {
      const arg = (k: number) => `argument ${argNames?.[k] ?? `args[${k}]`} of ${what} with shape ${args[k].dtype}[${args[k].shape.join(",")}] and with device ids [${args[k].deviceId}] on platform ${backend.name}`;
      throw new ValueError(`Received incompatible devices for jitted computation. Got ${arg(at)} and ${arg(i)}. ` +
        "Move them to one device first: jax.devicePut(x, device).");
    }
  }
  return at < 0 ? { device: 0, committed: false } : { device: args[at].deviceId, committed: true };
}

/** How `executeJaxpr` runs a program beyond its arguments. */
export interface ExecuteOptions {
  /** The backend it must run on (jit's `backend`); else `placement` decides. */
  backend?: Backend;
  /** Arguments given up (`jit(f, {donateArgnums})`): their buffers may become outputs. */
  donated?: readonly boolean[];
  /** The computation and its arguments' names, for errors. */
  what?: string;
  argNames?: readonly string[];
  /** A device chosen by the caller (a shardMap's first); else `devicePlacement` decides. */
  on?: number;
}

/**
 * Runs a jaxpr where `placement` puts it. Arguments that live on another backend are copied
 * for this call only (uncommitted ones made on cpu move for good, see below). Donated arguments
 * are given up: their buffers may become outputs.
 */
export function executeJaxpr(jaxpr: Jaxpr, args: ConcreteArray[], opts: ExecuteOptions = {}): ConcreteArray[] {
  const { backend, commit } = placement(args, opts.backend);
  // Arrays made on the reference interpreter before the wasm backend started (uncommitted) join
  // the backend they are used on for good; other uncommitted ones are copied for the call (JAX's
  // arrays never change device), so `jit(f, {backend})` leaves its arguments where they are.
  if (!opts.backend) for (const a of args) if (a.backend !== backend && a.backend.name === "cpu" && !a.committed && !a.isPinned && a.isOwned) a.moveTo(backend);
  const { device, committed } = opts.on === undefined ? devicePlacement(backend, args, opts.what, opts.argNames) : { device: opts.on, committed: true };
  const donated = opts.donated;
  const give = donated?.map((d, i) => d && !args[i].isPinned && args[i].backend === backend && args[i].deviceId === device && args.indexOf(args[i]) === i);
  // Arguments from another backend are copied for this call only, and freed after it. Arguments
  // on another device of this backend are read where they are (the devices share memory).
  let moved: ConcreteArray[] | undefined;
  const bufs = args.map((a) => (a.backend === backend ? a.buffer : (moved ??= [])[moved.push(transfer(a, backend, device, false)) - 1].buffer));
  let outs: Buffer[];
  try {
    outs = backend.execute(jaxpr, bufs, give?.some(Boolean) ? give : undefined, device, { mayHandOff: !commit && !committed });
  } finally {
    if (moved) for (const m of moved) if (!m.isPinned) m.dispose();
  }
  for (const a of args) a.rewatch();
  // A donated buffer that an output took over is gone already (adopted); one that none did is freed.
  donated?.forEach((d, i) => {
    if (d && !args[i].isPinned) args[i].release("donated", true);
  });
  return outs.map((b, i) => new ConcreteArray(jaxpr.outvars[i].aval, backend, b, true, commit || committed));
}

/** A device named as users name one: a backend name (its first device), or a Device. @example np.zeros([2], {device: jax.devices()[1]}) */
export type DeviceLike = BackendName | { platform: BackendName; id?: number };

/** The backend and device index a DeviceLike names (RangeError for a device that does not exist). */
export function resolveDevice(device: DeviceLike): { backend: Backend; id: number } {
  const backend = getBackend(typeof device === "string" ? device : device.platform);
  const id = typeof device === "string" ? 0 : (device.id ?? 0);
  const count = backend.deviceCount ?? 1;
  if (!Number.isInteger(id) || id < 0 || id >= count) {
    throw new RangeError(`webjax: there is no device ${backend.name}:${id}; ${backend.name} has ${count} (jax.devices("${backend.name}")).`);
  }
  return { backend, id };
}

/**
 * A copy of `x` on another backend or device (`jax.devicePut`, implicit moves toward WebGPU),
 * committed there when `commit`; `x` itself if it is there already. Reading WebGPU back is
 * asynchronous: from there use `transferAsync`.
 */
export function transfer(x: ConcreteArray, backend: Backend, device = 0, commit = true): ConcreteArray {
  if (x.backend === backend && x.deviceId === device) {
    if (commit) x.committed = true;
    return x;
  }
  // Cached scalars have a twin on every backend.
  if (x.scalarValue !== undefined && !commit && device === 0) return scalar(x.scalarValue, x.dtype, x.weakType, backend);
  if (!x.backend.syncReads) {
    const values = x.backend.hostValues?.(x.buffer, x.aval);
    if (values) return new ConcreteArray(x.aval, backend, backend.put(values, x.aval, device), true, commit);
    throw new ValueError(`Moving an array from WebGPU to ${backend.name} reads it back, which is asynchronous: ` +
      `use await jax.devicePutAsync(x, "${backend.name}") (implicit moves go only toward WebGPU).`);
  }
  return new ConcreteArray(x.aval, backend, backend.put(x.readSync(), x.aval, device), true, commit);
}

/** `transfer` from any backend, WebGPU included (its values come back asynchronously). */
export async function transferAsync(x: ConcreteArray, backend: Backend, device = 0, commit = true): Promise<ConcreteArray> {
  if (x.backend.syncReads || (x.backend === backend && x.deviceId === device)) return transfer(x, backend, device, commit);
  return new ConcreteArray(x.aval, backend, backend.put(await x.read(), x.aval, device), true, commit);
}

/**
 * A concrete array from host values: committed to `backend` (device `device`) when one is
 * given, else uncommitted on the default backend.
 */
export function fromHostValues(values: ArrayLike<number>, aval: ShapedArray, backend?: Backend, device?: number, commit = backend !== undefined || device !== undefined): ConcreteArray {
  const b = backend ?? getBackend();
  const data = allocHost(aval.dtype, aval.size);
  writeValues(data, values, aval.dtype);
  return new ConcreteArray(aval, b, b.put(data, aval, device), true, commit);
}

function writeValues(data: globalThis.Float32Array | any, values: ArrayLike<number>, dtype: DType): void {
  if (dtype === "float16") for (let i = 0; i < values.length; i++) data[i] = float16Bits(values[i]);
  else if (dtype === "complex64") for (let i = 0; i < values.length; i++) data[2 * i] = values[i];
  else for (let i = 0; i < values.length; i++) data[i] = castScalar(values[i], dtype);
}

/** The weak type a bare JS scalar gets: integers act like Python ints, others like floats. */
export function scalarDType(x: number | boolean): DType {
  if (typeof x === "boolean") return "bool";
  return Number.isInteger(x) && Math.abs(x) < 2 ** 31 ? "int32" : "float32";
}

// JS scalars used as operands become 0-d arrays; caching them (arrays are immutable) means an
// eager `x.add(1)` allocates only its result, so dispose()/tidy account for every buffer.
const scalarCache = new WeakMap<Backend, Map<string, ConcreteArray>>();
const SCALAR_CACHE_SIZE = 512;

/** A weakly typed 0-d array from a JS scalar (shared: it must not be mutated or donated). */
export function scalar(x: number | boolean, dtype: DType = scalarDType(x), weakType = typeof x !== "boolean", backend = getBackend()): ConcreteArray {
  let cache = scalarCache.get(backend);
  if (!cache) scalarCache.set(backend, (cache = new Map()));
  const v = Number(x);
  const key = `${dtype}|${weakType}|${Object.is(v, -0) ? "-0" : v}`;
  let s = cache.get(key);
  if (!s || s.isDeleted) {
    s = fromHostValues([v], new ShapedArray([], dtype, weakType), backend, undefined, false).pin();
    s.scalarValue = hostValues(hostFromValues([], dtype, [v]))[0]; // as stored (rounded to the dtype)
    if (cache.size >= SCALAR_CACHE_SIZE) {
      const [oldKey, old] = cache.entries().next().value!;
      cache.delete(oldKey);
      old.pin(false);
    }
    cache.set(key, s);
  }
  return s;
}
