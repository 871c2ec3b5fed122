// Host callbacks (`jax.pure_callback`) and `jax.effects_barrier`. The `pure_callback` primitive
// carries the user's function; its cpu rule calls it on host arrays, so it runs eagerly, on the
// cpu interpreter, and inside compiled wasm programs (a host call at that point of the program).

import { declare, describeSignature } from "../core/signature.js";
import { Array, ConcreteArray, Tracer } from "../core/array.js";
import { ShapedArray, prod, sameShape } from "../core/aval.js";
import { Backend, defaultBackend, getBackend, registeredBackends, setDefaultBackend } from "../core/backend.js";
import { DType, TypedArray, allocHost, toDType } from "../core/dtype.js";
import { ValueError, shapeStr } from "../core/errors.js";
import { HostArray, hostFromValues } from "../core/host.js";
import { Primitive } from "../core/primitive.js";
import { EvalTrace, MainTrace, bind, devicePlacement, executeJaxpr, placement, withDynamicTrace } from "../core/trace.js";
import { Jaxpr, JaxprEqn, Var } from "../core/jaxpr.js";
import * as tree from "../core/tree.js";
import { scanImpl as scan } from "../lax/control_flow.js";
import { broadcastAxis, moveaxis } from "./batch_util.js";
import { ShapeDtypeStructClass } from "./jit.js";

/** JAX's NotImplementedError (vmap of a callback without a vmapMethod). */
export class NotImplementedError extends Error {
  override name = "NotImplementedError";
}

/** How `vmap` maps a `pureCallback` (JAX's `vmap_method`). @example jax.pureCallback(cb, outShape, x, {vmapMethod: "sequential"}) */
export type VmapMethod = "sequential" | "sequential_unrolled" | "expand_dims" | "broadcast_all" | "legacy_vectorized";
const VMAP_METHODS: readonly (VmapMethod | null)[] = ["sequential", "sequential_unrolled", "expand_dims", "broadcast_all", "legacy_vectorized", null];

/** The user's function with the structure of its arguments (JAX's `_FlatCallback`). */
export class FlatCallback {
  constructor(
    readonly fn: (...args: any[]) => unknown,
    readonly inTree: tree.TreeDef,
    /** The structure of resultShapeDtypes, which guides how the callback's return value is read. */
    readonly resultTree: tree.TreeDef | null = null,
  ) {}
  /** As JAX prints it: `_FlatCallback(callback_func=<function cb at 0x...>, in_tree=PyTreeDef(((*,), {})))`. */
  toString(): string {
    // The args tuple: the children of our list node, as a Python tuple; no keyword arguments.
    const kids = this.inTree.children.map((c) => String(c).slice("PyTreeDef(".length, -1));
    const args = `(${kids.join(", ")}${kids.length === 1 ? "," : ""})`;
    return `_FlatCallback(callback_func=<function ${this.fn.name || "<lambda>"} at 0xXXXXXXXXXXXX>, in_tree=PyTreeDef((${args}, {})))`;
  }
}

export interface PureCallbackParams {
  callback: FlatCallback;
  result_avals: ShapedArray[];
  sharding: unknown;
  vmap_method: VmapMethod | null;
}

// ---- running the callback on the host ----

// While a callback runs, nothing is staged (it runs at execution time) and new arrays live on
// the cpu backend: the callback may be running inside a wasm program, which it should not re-enter.
const evalOnly = new MainTrace(0, EvalTrace, null);

function onHost<T>(fn: () => T): T {
  const prev = defaultBackend();
  setDefaultBackend("cpu");
  try {
    return withDynamicTrace(evalOnly, fn);
  } finally {
    setDefaultBackend(prev);
  }
}

/** Calls the user's function on host arrays and checks its results against `result_avals`. */
export function runCallback(params: PureCallbackParams, inputs: HostArray[]): HostArray[] {
  const { callback, result_avals: avals } = params;
  return onHost(() => {
    const cpu = getBackend("cpu");
    const args = inputs.map((h) => {
      const aval = new ShapedArray(h.shape, h.dtype);
      return new ConcreteArray(aval, cpu, cpu.put(h.data, aval));
    });
    const result = callback.fn(...tree.unflatten(callback.inTree, args));
    if (result !== null && typeof result === "object" && typeof (result as any).then === "function") {
      throw new TypeError(
        "pure_callback: the callback returned a Promise. Callbacks run in the middle of a computation and must return their results synchronously.",
      );
    }
    return hostResults(result, callback.resultTree, avals);
  });
}

/**
 * The callback's return value as host arrays, read along the declared result structure (a
 * nested JS array at a leaf position is one array, not a list of results).
 */
function hostResults(value: unknown, resultTree: tree.TreeDef | null, avals: ShapedArray[]): HostArray[] {
  const leaves: unknown[] = [];
  if (resultTree) collectLeaves(value, resultTree, leaves, avals.length);
  else leaves.push(...(globalThis.Array.isArray(value) ? value : [value]));
  if (leaves.length !== avals.length) {
    throw new ValueError(`pure_callback: Mismatched number of outputs from callback. Expected: ${avals.length}, Actual: ${leaves.length}`);
  }
  return leaves.map((v, i) => hostValue(v, avals[i], i));
}

function collectLeaves(value: unknown, def: tree.TreeDef, out: unknown[], expected: number): void {
  const mismatch = () =>
    new ValueError(
      `pure_callback: the callback's result does not have the structure of resultShapeDtypes ${def}; got ${describe(value)}. ` +
        `Mismatched number of outputs from callback. Expected: ${expected}.`,
    );
  switch (def.kind) {
    case "leaf":
      // A one-element list around a single Array stands for that Array (JAX flattens results).
      out.push(globalThis.Array.isArray(value) && value.length === 1 && (value[0] instanceof Array || ArrayBuffer.isView(value[0])) ? value[0] : value);
      return;
    case "null":
    case "undefined":
      if (value !== null && value !== undefined) throw mismatch();
      return;
    case "list":
      if (!globalThis.Array.isArray(value) || value.length !== def.children.length) throw mismatch();
      def.children.forEach((c, i) => collectLeaves(value[i], c, out, expected));
      return;
    case "dict": {
      if (value === null || typeof value !== "object" || globalThis.Array.isArray(value)) throw mismatch();
      const v = value as Record<string, unknown>;
      if (Object.keys(v).length !== def.keys.length || def.keys.some((k) => !(k in v))) throw mismatch();
      def.keys.forEach((k, i) => collectLeaves(v[k], def.children[i], out, expected));
      return;
    }
    case "custom": {
      const [leaves, got] = tree.flatten(value);
      if (!got.equals(def)) throw mismatch();
      out.push(...leaves);
      return;
    }
  }
}

function describe(v: unknown): string {
  if (v instanceof Array) return `an Array ${v.aval.str()}`;
  if (ArrayBuffer.isView(v)) return `a ${v.constructor.name}`;
  if (globalThis.Array.isArray(v)) return `a JS array of length ${v.length}`;
  if (v === null || v === undefined) return String(v);
  return typeof v === "object" ? `an object with keys [${Object.keys(v).join(", ")}]` : `${typeof v} ${String(v)}`;
}

const TYPED_FOR: Record<DType, string> = {
  float32: "Float32Array",
  float64: "Float64Array",
  int32: "Int32Array",
  uint32: "Uint32Array",
  bool: "Uint8Array",
  float16: "Uint16Array",
  complex64: "Float32Array",
};

function shapeError(i: number, expected: readonly number[], actual: readonly number[]): ValueError {
  return new ValueError(`pure_callback: Incorrect output shape for return value #${i}: Expected: ${shapeStr(expected)}, Actual: ${shapeStr(actual)}`);
}
function dtypeError(i: number, expected: DType, actual: string): TypeError {
  return new TypeError(`pure_callback: Incorrect output dtype for return value #${i}: Expected: ${expected}, Actual: ${actual}`);
}

/** One returned value (Array, typed array, nested JS array or scalar) as a host array of `aval`. */
function hostValue(v: unknown, aval: ShapedArray, i: number): HostArray {
  const { shape, dtype } = aval;
  if (v instanceof Tracer) {
    throw new TypeError(`pure_callback: return value #${i} is a traced value (${v.toString()}); callbacks must return concrete values.`);
  }
  if (v instanceof Array) {
    const c = v.toConcrete()!;
    if (!sameShape(c.shape, shape)) throw shapeError(i, shape, c.shape);
    if (c.dtype !== dtype) throw dtypeError(i, dtype, c.dtype);
    return { shape, dtype, data: c.readSync() };
  }
  if (ArrayBuffer.isView(v)) {
    // Typed arrays carry no shape: they hold the result's elements in row-major order.
    const want = TYPED_FOR[dtype];
    if (v.constructor.name !== want) throw dtypeError(i, dtype, `${v.constructor.name} (${dtype} results come as ${want})`);
    const n = (v as TypedArray).length / (dtype === "complex64" ? 2 : 1);
    if (n !== prod(shape)) throw shapeError(i, shape, [n]);
    const data = allocHost(dtype, prod(shape));
    data.set(v as any);
    return { shape, dtype, data };
  }
  if (typeof v === "number" || typeof v === "boolean" || globalThis.Array.isArray(v)) {
    const got: number[] = [];
    const flat: number[] = [];
    let kind: "number" | "boolean" | null = null;
    const walk = (x: unknown, depth: number): void => {
      if (globalThis.Array.isArray(x)) {
        if (got.length <= depth) got.push(x.length);
        else if (got[depth] !== x.length) throw new ValueError(`pure_callback: return value #${i} is a ragged nested array.`);
        x.forEach((c) => walk(c, depth + 1));
      } else if (typeof x === "number" || typeof x === "boolean") {
        if (depth !== got.length) throw new ValueError(`pure_callback: return value #${i} is a ragged nested array.`);
        kind = typeof x as "number" | "boolean";
        flat.push(Number(x));
      } else {
        throw new TypeError(`pure_callback: return value #${i} holds ${describe(x)}; nested arrays must hold JS numbers or booleans.`);
      }
    };
    walk(v, 0);
    if (!sameShape(got, shape)) throw shapeError(i, shape, got);
    if (kind === "boolean" && dtype !== "bool") throw dtypeError(i, dtype, "bool (JS booleans)");
    if (kind === "number" && (dtype === "bool" || dtype === "complex64")) throw dtypeError(i, dtype, "JS numbers");
    return hostFromValues(shape, dtype, flat);
  }
  throw new TypeError(`pure_callback: return value #${i} is ${describe(v)}; expected an Array, a typed array or nested JS arrays of ${aval.str()}.`);
}

// ---- the primitive ----

const noJvp = () =>
  new ValueError("Pure callbacks do not support JVP. Please use `jax.custom_jvp` to use callbacks while taking gradients.");

export const pureCallbackP: Primitive<PureCallbackParams> = new Primitive<PureCallbackParams>(
  "pure_callback",
  {
    abstractEval: (_, { result_avals }) => result_avals,
    cpu: (inputs, params) => runCallback(params, inputs),
    // Eagerly: the arguments' data goes to the host, the results come back to their backend.
    impl(args, params) {
      const concrete = args as ConcreteArray[];
      // Where values come back only asynchronously (WebGPU), the call is a program with a host
      // step: the callback runs once the arguments have been read back.
      const { backend, commit } = placement(concrete);
      if (!backend.syncReads) {
        const invars = concrete.map((a) => new Var(a.aval));
        const outvars = params.result_avals.map((a) => new Var(a));
        return executeJaxpr(new Jaxpr([], invars, [new JaxprEqn(pureCallbackP, invars, params, outvars)], outvars), concrete);
      }
      const outs = runCallback(params, concrete.map((a) => ({ shape: a.shape, dtype: a.dtype, data: a.readSync() })));
      const { device, committed } = devicePlacement(backend, concrete, "pure_callback");
      return outs.map((o, i) => new ConcreteArray(params.result_avals[i], backend, backend.put(o.data, params.result_avals[i], device), true, commit || committed));
    },
    jvp() {
      throw noJvp();
    },
    transpose() {
      throw new ValueError("Pure callbacks do not support transpose. Please use `jax.custom_vjp` to use callbacks while taking gradients.");
    },
    batch(args, dims, params, axis) {
      // On devices every device calls the callback with its own block: one call per member.
      const method = params.vmap_method ?? (axis.devices ? "sequential" : null);
      const size = axis.size;
      const moved = args.map((a, i) => (dims[i] === null ? a : moveaxis(a, dims[i]!, 0)));
      const batchedAvals = params.result_avals.map((a) => new ShapedArray([size, ...a.shape], a.dtype));
      let outs: Array[];
      if (method === "legacy_vectorized") {
        outs = bind(pureCallbackP, moved, { ...params, result_avals: batchedAvals });
      } else if (method === "expand_dims" || method === "broadcast_all") {
        const n = method === "broadcast_all" ? size : 1;
        const ins = moved.map((a, i) => (dims[i] === null ? broadcastAxis(a, n, 0) : a));
        outs = bind(pureCallbackP, ins, { ...params, result_avals: batchedAvals });
      } else if (method === "sequential" || method === "sequential_unrolled") {
        // One callback per batch element, in a scan whose unmapped operands are closed over.
        const unmapped = moved.filter((_, i) => dims[i] === null);
        const mapped = moved.filter((_, i) => dims[i] !== null);
        const body = (_: null, xs: Array[]) => {
          let u = 0, m = 0;
          const merged = dims.map((d) => (d === null ? unmapped[u++] : xs[m++]));
          return [null, bind(pureCallbackP, merged, params)];
        };
        outs = scan(body, null, mapped, { unroll: method === "sequential_unrolled" })[1];
      } else {
        throw new NotImplementedError(
          "vmap is only supported for the pure_callback primitive when vmap_method is one of 'sequential', 'sequential_unrolled', " +
            `'expand_dims', 'broadcast_all', or 'legacy_vectorized'. Got vmap_method=${method === null ? "None" : method}. ` +
            'Pass one to jax.pureCallback(..., {vmapMethod: "sequential"}).',
        );
      }
      return [outs, outs.map(() => 0)];
    },
    printParams: ({ callback, result_avals, sharding, vmap_method }) => ({ callback, result_avals, sharding, vmap_method }),
  },
  true,
);

// ---- the user API ----

/** Options of `jax.pureCallback`, last after the callback's arguments. @example jax.pureCallback(cb, jax.ShapeDtypeStruct([3], "float32"), x, {vmapMethod: "expand_dims"}) */
export interface PureCallbackOptions {
  /** Where the callback runs (accepted for JAX compatibility; webjax has one host). */
  sharding?: unknown;
  /** How `vmap` treats the callback (JAX's `vmap_method`); without one, vmap raises. */
  vmapMethod?: VmapMethod | null;
}
const OPTION_KEYS = new Set(["sharding", "vmapMethod"]);

/** Whether a trailing argument is the options object: a plain object whose keys are all option names. */
function isOptions(x: unknown): x is PureCallbackOptions {
  if (x === null || typeof x !== "object" || globalThis.Array.isArray(x)) return false;
  const proto = Object.getPrototypeOf(x);
  if (proto !== Object.prototype && proto !== null) return false;
  return Object.keys(x).every((k) => OPTION_KEYS.has(k));
}

const isShapeDtypeLeaf = (x: unknown): boolean =>
  x instanceof ShapeDtypeStructClass ||
  x instanceof Array ||
  (x !== null && typeof x === "object" && !globalThis.Array.isArray(x) && Object.getPrototypeOf(x) !== Object.prototype && "shape" in x && "dtype" in x);

function resultAval(x: any): ShapedArray {
  if (!isShapeDtypeLeaf(x)) {
    throw new TypeError(
      `pure_callback: resultShapeDtypes leaves must have a shape and a dtype (e.g. jax.ShapeDtypeStruct([3], "float32")); got ${describe(x)}.`,
    );
  }
  const shape = [...(x.shape as number[])];
  if (!shape.every((n) => Number.isInteger(n) && n >= 0)) throw new TypeError(`pure_callback: invalid result shape ${shapeStr(shape)}.`);
  return new ShapedArray(shape, toDType(x.dtype));
}

/**
 * Calls a pure JS function on the host from inside any transformation (`jax.pure_callback`).
 * The callback receives concrete host Arrays (pytrees as passed) and returns values with the
 * structure, shapes and dtypes of `resultShapeDtypes`: Arrays, typed arrays (row-major, of
 * the dtype's element type) or nested JS arrays. It may run any number of times, or not at all
 * when its result is unused. Under vmap it follows `vmapMethod`; derivatives need custom rules.
 *
 * Options come last: a trailing plain object whose keys are all option names (`sharding`,
 * `vmapMethod`; `{}` too) is the options object. To pass such an object as the last argument
 * of the callback, add an explicit options object (`{}`) after it.
 * @example
 * const y = jax.pureCallback((x) => np.array(x.dataSync().map(Math.sin)), jax.ShapeDtypeStruct([3], "float32"), x,
 *                            {vmapMethod: "sequential"});
 */
export function pureCallback(callback: (...args: any[]) => unknown, resultShapeDtypes: unknown, ...rest: unknown[]): any {
  if (typeof callback !== "function") throw new TypeError(`pure_callback: callback must be a function, got ${describe(callback)}.`);
  const opts: PureCallbackOptions = rest.length && isOptions(rest[rest.length - 1]) ? (rest.pop() as PureCallbackOptions) : {};
  const vmapMethod = opts.vmapMethod ?? null;
  if (!VMAP_METHODS.includes(vmapMethod)) {
    throw new ValueError(
      `vmap_method must be on of the allowed methods ['sequential', 'sequential_unrolled', 'expand_dims', 'broadcast_all', 'legacy_vectorized', None], but got: ${String(vmapMethod)}`,
    );
  }
  const [resultLeaves, resultTree] = tree.flatten(resultShapeDtypes, isShapeDtypeLeaf);
  const avals = resultLeaves.map(resultAval);
  const [argLeaves, inTree] = tree.flatten(rest);
  const flatCallback = new FlatCallback(callback, inTree, resultTree);
  const outs = bind(pureCallbackP, argLeaves, { callback: flatCallback, result_avals: avals, sharding: opts.sharding ?? null, vmap_method: vmapMethod });
  return tree.unflatten(resultTree, outs);
}

// ---- effects barrier ----

const pending = new Set<Promise<unknown>>();
const failures: unknown[] = [];

/**
 * Registers asynchronous work that `effectsBarrier` must wait for (device queues that are not
 * backends, asynchronous callbacks of future devices).
 */
export function trackEffect(p: Promise<unknown>): void {
  const tracked = p.then(
    () => void pending.delete(tracked),
    (e) => {
      pending.delete(tracked);
      failures.push(e);
    },
  );
  pending.add(tracked);
}

/**
 * Resolves once every computation dispatched so far, on every backend, and every pending
 * callback has finished (`jax.effects_barrier`); rejects with the first error such work raised.
 * @example f(x); await jax.effectsBarrier();   // f's callbacks have all run
 */
async function effectsBarrierImpl(): Promise<void> {
  // Work may enqueue more work (a callback dispatching a computation): drain until quiet.
  for (;;) {
    await Promise.all(registeredBackends().map((n) => getBackend(n).synchronize()));
    if (!pending.size) break;
    await Promise.all([...pending]);
  }
  if (failures.length) {
    const first = failures[0];
    failures.length = 0;
    throw first;
  }
}

/** Waits for every pending asynchronous effect, rethrowing the first failure. @example await jax.effectsBarrier() */
export const effectsBarrier: () => Promise<void> = declare("jax.effectsBarrier", "", "", effectsBarrierImpl);

// pureCallback reads its trailing options itself (a plain object of option keys only; `{}` too).
describeSignature(pureCallback, "jax.pureCallback", "callback, resultShapeDtypes, ...args:data", "sharding vmapMethod");
