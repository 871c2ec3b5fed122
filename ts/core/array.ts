// The user-facing Array: concrete arrays (data on a backend) and tracers (values being
// transformed) share one class, so user code is typed the same inside and outside `jit`/`grad`.

import { ShapedArray, prod } from "./aval.js";
import { Backend, BackendName, Buffer, Device, deviceOf, getBackend } from "./backend.js";
import { DeviceBuffer, watch } from "./memory.js";
import { DType, TypedArray, decodeFloat16, float16Bits, float16Value } from "./dtype.js";
import { ConcretizationTypeError, DeviceLostError, SyncReadError } from "./errors.js";
import { Sharding, ShardIndex, SingleDeviceSharding } from "./sharding.js";
import type { Trace } from "./trace.js";

/** Anything an op accepts as an array operand. */
export type ArrayLike = Array | number | boolean | TypedArray | NestedArray;
/** Nested JS arrays of numbers or booleans (`[[1, 2], [3, 4]]`). @example np.array([[1, 2], [3, 4]]) */
export interface NestedArray extends ReadonlyArray<number | boolean | NestedArray> {}

/** One index spec of `x.slice(...)` / `x.at(...)`. @example x.slice(0, [1, null], null) */
export type IndexSpec = number | null | [number | null, number | null] | [number | null, number | null, number | null] | Array;

/** Axes of a reduction: one, several (a JS array), or null for all. */
export type Axis = number | number[] | null;

/** Options of reductions (`x.sum({axis, keepdims})`). @example x.sum({axis: [0, -1], keepdims: true}) */
export interface ReduceOptions {
  /** Axes to reduce (all by default); negatives count from the end. */
  axis?: Axis;
  /** Keep reduced axes with size 1. */
  keepdims?: boolean;
}

/** What `item()` returns for a dtype: booleans for bool, [re, im] for complex64, numbers otherwise. */
export type ItemOf<D extends DType> = D extends "bool" ? boolean : D extends "complex64" ? [number, number] : number;

/** `x.at(...)`: functional updates, JAX's `.at[]`. @example np.zeros([3]).at(1).set(5)   // [0, 5, 0] */
/** Options of `x.at(...).get` (JAX's keywords): out-of-bounds indices clamp, or `"fill"` gives `fillValue`. */
export interface AtGetOptions {
  mode?: "clip" | "fill" | "drop" | "promise_in_bounds";
  /** For `mode: "fill"`: NaN for floats, the most negative int32, uint32's largest, true. */
  fillValue?: number | boolean;
  indicesAreSorted?: boolean;
  uniqueIndices?: boolean;
}

/** Options of `x.at(...).set` and the other updates: out-of-bounds indices are dropped, or `"clip"`ped. */
export interface AtUpdateOptions {
  mode?: "clip" | "fill" | "drop" | "promise_in_bounds";
  indicesAreSorted?: boolean;
  uniqueIndices?: boolean;
}

/**
 * What `x.at(...)` returns: JAX's `x.at[...]` functional updates and reads.
 * @example np.zeros([3]).at(1).set(5)   // [0, 5, 0]
 */
export interface AtIndexer {
  /** The indexed values (`x.at[i].get()`). @example np.arange(4).at(2).get()   // 2 */
  get(opts?: AtGetOptions): Array;
  /** A copy with the indexed values replaced. @example np.zeros([3]).at(1).set(5)   // [0, 5, 0] */
  set(v: ArrayLike, opts?: AtUpdateOptions): Array;
  /** A copy with `v` added at the index (repeated indices add up). @example np.zeros([3]).at(np.array([0, 0], "int32")).add(1)   // [2, 0, 0] */
  add(v: ArrayLike, opts?: AtUpdateOptions): Array;
  /** A copy with the indexed values multiplied by `v`. @example np.ones([3]).at(2).mul(4)   // [1, 1, 4] */
  mul(v: ArrayLike, opts?: AtUpdateOptions): Array;
  /** A copy with the indexed values lowered to `v` where larger. @example np.arange(3).at(2).min(1)   // [0, 1, 1] */
  min(v: ArrayLike, opts?: AtUpdateOptions): Array;
  /** A copy with the indexed values raised to `v` where smaller. @example np.arange(3).at(0).max(5)   // [5, 1, 2] */
  max(v: ArrayLike, opts?: AtUpdateOptions): Array;
}

/** The numpy-level operations Array methods delegate to (installed by the numpy module). */
export interface ArrayOps {
  add(x: ArrayLike, y: ArrayLike): Array;
  subtract(x: ArrayLike, y: ArrayLike): Array;
  multiply(x: ArrayLike, y: ArrayLike): Array;
  divide(x: ArrayLike, y: ArrayLike): Array;
  power(x: ArrayLike, y: ArrayLike): Array;
  negative(x: ArrayLike): Array;
  matmul(x: ArrayLike, y: ArrayLike): Array;
  less(x: ArrayLike, y: ArrayLike): Array;
  lessEqual(x: ArrayLike, y: ArrayLike): Array;
  greater(x: ArrayLike, y: ArrayLike): Array;
  greaterEqual(x: ArrayLike, y: ArrayLike): Array;
  equal(x: ArrayLike, y: ArrayLike): Array;
  notEqual(x: ArrayLike, y: ArrayLike): Array;
  // The rest check their arguments as the Array methods receive them (`x.sum(0)`).
  astype(x: Array, ...args: unknown[]): Array;
  reshape(x: Array, shape: number[]): Array;
  transpose(x: Array, axes?: number[]): Array;
  sum(x: Array, ...args: unknown[]): Array;
  mean(x: Array, ...args: unknown[]): Array;
  max(x: Array, ...args: unknown[]): Array;
  min(x: Array, ...args: unknown[]): Array;
  prod(x: Array, ...args: unknown[]): Array;
  argmax(x: Array, ...args: unknown[]): Array;
  slice(x: Array, specs: IndexSpec[]): Array;
  at(x: Array, specs: IndexSpec[]): AtIndexer;
}

let ops: ArrayOps | undefined;

export function installArrayOps(o: ArrayOps): void {
  ops = o;
}

function theOps(): ArrayOps {
  if (!ops) throw new Error("webjax: numpy operations are not installed (import from the package entry point).");
  return ops;
}

/**
 * An n-dimensional array (or, inside a transformation, a traced value standing for one). `D` is
 * the dtype where the API knows it (comparisons give `Array<"bool">`), which types `item()`.
 * Arrays are immutable: methods return new arrays. Make them with `np.array`, `np.zeros`, ....
 * @example const x = np.array([[1, 2], [3, 4]]);
 * x.shape                     // [2, 2]
 * x.mul(2).sum(0).tolistSync() // [8, 12]
 */
export abstract class Array<D extends DType = DType> {
  abstract readonly aval: ShapedArray;

  /** The size of each axis. @example np.zeros([2, 3]).shape   // [2, 3] */
  get shape(): number[] {
    return this.aval.shape as number[];
  }
  /** The element type. @example np.arange(3).dtype   // "int32" */
  get dtype(): D {
    return this.aval.dtype as D;
  }
  /** The number of axes. @example np.zeros([2, 3]).ndim   // 2 */
  get ndim(): number {
    return this.aval.shape.length;
  }
  /** The number of elements. @example np.zeros([2, 3]).size   // 6 */
  get size(): number {
    return this.aval.size;
  }
  /** Whether the dtype is weak (from a JS number), so it yields to the other operand's. @example np.array(1).weakType   // false */
  get weakType(): boolean {
    return this.aval.weakType;
  }

  /** The concrete array behind this value, or null while it is abstract (traced). */
  abstract toConcrete(): ConcreteArray | null;

  /** The concrete array, or a ConcretizationTypeError naming `what` while traced. */
  protected concrete(what: string): ConcreteArray {
    const c = this.toConcrete();
    if (!c) throw new ConcretizationTypeError(`${what} on ${this.toString()}`);
    return c;
  }

  /** The concrete array for a synchronous read: a clear error where values come back only asynchronously (WebGPU). */
  protected readable(what: string, twin: string): ConcreteArray {
    const c = this.concrete(what);
    if (!c.backend.syncReads) throw new SyncReadError(`x.${what}`, twin, backendTitle(c.backend.name));
    return c;
  }

  /**
   * The device that holds the data; for an array sharded over several devices, its sharding (as JAX).
   * @example String(jax.devicePut(x, jax.devices()[1]).device)   // "wasm:1"
   */
  get device(): Device {
    const c = this.concrete("the device of a traced value");
    return deviceOf(c.backend, c.deviceId);
  }

  /**
   * How the data is laid out over devices: a NamedSharding for sharded arrays (pmap, shardMap,
   * devicePut(x, sharding)), else a SingleDeviceSharding.
   * @example jax.pmap((x) => x.mul(2))(np.arange(2)).sharding   // NamedSharding(mesh=Mesh(...), spec=P(...))
   */
  get sharding(): Sharding {
    const c = this.concrete("the sharding of a traced value");
    return new SingleDeviceSharding(deviceOf(c.backend, c.deviceId));
  }

  /**
   * The pieces of the array on each device, in the mesh's device order: `.device`, `.index`
   * (the slice of the whole it holds), `.replicaId` and `.data` (an Array on that device).
   * @example for (const s of y.addressableShards) console.log(String(s.device), s.data.tolistSync())
   */
  get addressableShards(): Shard[] {
    const c = this.concrete("the shards of a traced value");
    return [new Shard(deviceOf(c.backend, c.deviceId), c.shape.map(() => null), 0, c)];
  }

  /** Flat typed array of the values (float16 comes back as float32, bool as Uint8Array). */
  async data(): Promise<TypedArray> {
    const c = this.concrete("data()");
    return userView(await c.read(), c.dtype);
  }
  /**
   * The values as a flat typed array, now (float16 as Float32Array, bool as Uint8Array); on
   * WebGPU, where reads are asynchronous, an error naming `await x.data()`.
   * @example np.arange(3).dataSync()   // Int32Array [0, 1, 2]
   */
  dataSync(): TypedArray {
    const c = this.readable("dataSync()", "await x.data()");
    return userView(c.readSync(), c.dtype);
  }
  /** Nested JS arrays (a 0-d array gives a plain number). */
  async tolist(): Promise<any> {
    const c = this.concrete("tolist()");
    return nest(toJsValues(await c.read(), c.dtype), c.shape);
  }
  /**
   * The values as nested JS arrays, now (a 0-d array gives a number); on WebGPU an error naming `await x.tolist()`.
   * @example np.eye(2).tolistSync()   // [[1, 0], [0, 1]]
   */
  tolistSync(): any {
    const c = this.readable("tolistSync()", "await x.tolist()");
    return nest(toJsValues(c.readSync(), c.dtype), c.shape);
  }
  /** The single value of a size-1 array: a boolean for bool, [re, im] for complex64, else a number. @example np.array(3).item()   // 3 */
  item(): ItemOf<D> {
    const c = this.readable("item()", "await x.itemAsync()");
    if (c.size !== 1) throw new TypeError(`item() needs an array of size 1; this one has shape [${c.shape}].`);
    return toJsValues(c.readSync(), c.dtype)[0] as ItemOf<D>;
  }
  /** `item()` on any backend, WebGPU included. @example await np.array(3).itemAsync()   // 3 */
  async itemAsync(): Promise<ItemOf<D>> {
    const c = this.concrete("itemAsync()");
    if (c.size !== 1) throw new TypeError(`itemAsync() needs an array of size 1; this one has shape [${c.shape}].`);
    return toJsValues(await c.read(), c.dtype)[0] as ItemOf<D>;
  }
  /** `toString()` on any backend, WebGPU included. @example await x.toStringAsync()   // "Array([1, 2], dtype=float32)" */
  async toStringAsync(): Promise<string> {
    const c = this.toConcrete();
    if (!c) return this.toString();
    if (c.isDeleted) return c.toString();
    return c.describe(await this.tolist());
  }

  /** `Number(x)`, `+x` and `` `${x}` `` for concrete size-1 arrays; a ConcretizationTypeError while traced. @example Number(np.array(2.5))   // 2.5 */
  [Symbol.toPrimitive](hint: string): number | string | boolean {
    const c = this.toConcrete();
    if (!c) throw new ConcretizationTypeError(`converting ${this.toString()} to a JS ${hint === "string" ? "string" : "number"}`);
    if (!c.backend.syncReads) {
      throw hint === "string"
        ? new SyncReadError("Converting an array to a string (`${x}`, String(x))", "await x.toStringAsync()", backendTitle(c.backend.name))
        : new SyncReadError("Converting an array to a JS number (Number(x), +x, x < 1)", "await x.itemAsync()", backendTitle(c.backend.name));
    }
    if (hint === "string") return c.toString();
    if (c.size !== 1) throw new TypeError(`Only size-1 arrays convert to a JS number; this one has shape [${c.shape}].`);
    const v = c.item();
    return typeof v === "boolean" ? Number(v) : (v as number);
  }

  // ---- arithmetic and comparisons (numpy semantics, broadcasting, weak JS numbers) ----
  /** `this + y` with broadcasting. @example np.arange(3).add(1)   // [1, 2, 3] */
  add(y: ArrayLike): Array { return theOps().add(this, y); }
  /** `this - y`. @example np.arange(3).sub(1)   // [-1, 0, 1] */
  sub(y: ArrayLike): Array { return theOps().subtract(this, y); }
  /** `this * y`. @example np.arange(3).mul(2)   // [0, 2, 4] */
  mul(y: ArrayLike): Array { return theOps().multiply(this, y); }
  /** `this / y` (true division). @example np.arange(3).div(2)   // [0, 0.5, 1] */
  div(y: ArrayLike): Array { return theOps().divide(this, y); }
  /** `this ** y`. @example np.arange(3).pow(2)   // [0, 1, 4] */
  pow(y: ArrayLike): Array { return theOps().power(this, y); }
  /** `-this`. @example np.arange(3).neg()   // [0, -1, -2] */
  neg(): Array { return theOps().negative(this); }
  /** Matrix product (`@`). @example np.eye(2).matmul(np.array([1, 2]))   // [1, 2] */
  matmul(y: ArrayLike): Array { return theOps().matmul(this, y); }
  /** `this < y`. @example np.arange(3).lt(1)   // [true, false, false] */
  lt(y: ArrayLike): Array<"bool"> { return theOps().less(this, y) as Array<"bool">; }
  /** `this <= y`. @example np.arange(3).le(1)   // [true, true, false] */
  le(y: ArrayLike): Array<"bool"> { return theOps().lessEqual(this, y) as Array<"bool">; }
  /** `this > y`. @example np.arange(3).gt(1)   // [false, false, true] */
  gt(y: ArrayLike): Array<"bool"> { return theOps().greater(this, y) as Array<"bool">; }
  /** `this >= y`. @example np.arange(3).ge(1)   // [false, true, true] */
  ge(y: ArrayLike): Array<"bool"> { return theOps().greaterEqual(this, y) as Array<"bool">; }
  /** `this == y`. @example np.arange(3).eq(1)   // [false, true, false] */
  eq(y: ArrayLike): Array<"bool"> { return theOps().equal(this, y) as Array<"bool">; }
  /** `this != y`. @example np.arange(3).ne(1)   // [true, false, true] */
  ne(y: ArrayLike): Array<"bool"> { return theOps().notEqual(this, y) as Array<"bool">; }

  /** A copy converted to `dtype`. @example x.astype("int32") */
  astype<T extends DType>(dtype: T): Array<T>;
  astype(dtype: DType | string): Array;
  astype(...args: unknown[]): Array { return theOps().astype(this, ...args); }
  /** The same data in a new shape (one dimension may be -1), as a JS array or as numbers. @example x.reshape([2, -1])  @example x.reshape(2, 3) */
  reshape(shape: number | readonly number[]): Array;
  reshape(...shape: number[]): Array;
  reshape(...shape: unknown[]): Array { return theOps().reshape(this, reshapeArgs("x.reshape", shape)); }
  /** Permuted axes (reversed by default), as a JS array or as numbers. @example x.transpose([1, 0])  @example x.transpose(1, 0) */
  transpose(axes?: readonly number[] | null): Array;
  transpose(...axes: number[]): Array;
  transpose(...axes: unknown[]): Array { return theOps().transpose(this, axes.length && axes[0] != null ? reshapeArgs("x.transpose", axes) : undefined); }
  /** The transpose (axes reversed). @example np.zeros([2, 3]).T.shape   // [3, 2] */
  get T(): Array { return theOps().transpose(this); }

  /** Sum over `axis` (all axes by default). @example x.sum()  @example x.sum(0)  @example x.sum({axis: [0, 1], keepdims: true}) */
  sum(opts?: ReduceOptions): Array;
  sum(axis: Axis | undefined, opts?: { keepdims?: boolean }): Array;
  sum(...args: unknown[]): Array { return theOps().sum(this, ...args); }
  /** Mean over `axis` (all axes by default). @example x.mean(1) */
  mean(opts?: ReduceOptions): Array;
  mean(axis: Axis | undefined, opts?: { keepdims?: boolean }): Array;
  mean(...args: unknown[]): Array { return theOps().mean(this, ...args); }
  /** Largest element over `axis`. @example x.max(-1) */
  max(opts?: ReduceOptions): Array;
  max(axis: Axis | undefined, opts?: { keepdims?: boolean }): Array;
  max(...args: unknown[]): Array { return theOps().max(this, ...args); }
  /** Smallest element over `axis`. @example x.min(-1) */
  min(opts?: ReduceOptions): Array;
  min(axis: Axis | undefined, opts?: { keepdims?: boolean }): Array;
  min(...args: unknown[]): Array { return theOps().min(this, ...args); }
  /** Product over `axis`. @example x.prod(0) */
  prod(opts?: ReduceOptions): Array;
  prod(axis: Axis | undefined, opts?: { keepdims?: boolean }): Array;
  prod(...args: unknown[]): Array { return theOps().prod(this, ...args); }
  /** Index of the largest element along `axis` (of the flattened array by default). @example x.argmax(-1) */
  argmax(opts?: { axis?: number | null; keepdims?: boolean }): Array<"int32">;
  argmax(axis: number | null | undefined, opts?: { keepdims?: boolean }): Array<"int32">;
  argmax(...args: unknown[]): Array<"int32"> { return theOps().argmax(this, ...args) as Array<"int32">; }

  /** NumPy basic/advanced indexing over leading axes: `x.slice(0, [1, null], idx)`. */
  slice(...specs: IndexSpec[]): Array { return theOps().slice(this, specs); }
  /** Functional updates: `x.at(0).set(5)`, `x.at(idx).add(1)`. */
  at(...specs: IndexSpec[]): AtIndexer { return theOps().at(this, specs); }

  /** Arrays iterate over their leading axis (`const [k1, k2] = random.split(key)`). */
  *[Symbol.iterator](): Iterator<Array> {
    if (this.ndim === 0) throw new TypeError("iteration over a 0-d array");
    for (let i = 0; i < this.shape[0]; i++) yield this.slice(i);
  }

  /** Releases the data now (otherwise it is released when garbage collected). */
  dispose(): void {}
  /** Frees the data at the end of a `using` block. @example { using x = np.ones([1000]); }   // freed here */
  [Symbol.dispose](): void {
    this.dispose();
  }
}

/** An array whose data lives on a backend. */
export class ConcreteArray extends Array {
  #buf: Buffer | null;
  #backend: Backend;
  #why = "";
  #pinned = false;
  readonly #owned: boolean;
  /** Which of the backend's devices holds the data. */
  readonly deviceId: number;
  /**
   * JAX's placement rule: a committed array (`jax.devicePut`, `np.array(x, {device})`, or a
   * result of one) decides where computations on it run (its backend and device); an
   * uncommitted one goes where the computation runs, and moves there for good (arrays made
   * before `jax.init` join the wasm backend). Arguments committed to different devices are an error.
   */
  committed: boolean;
  /** The JS value of a cached scalar (the runtime's shared 0-d arrays), which has a twin on every backend. */
  scalarValue: number | undefined;

  constructor(
    readonly aval: ShapedArray,
    backend: Backend,
    buf: Buffer,
    /** false: another array over the same buffer (`jax.liveArrays()`): it holds the data too, but belongs to no tidy scope. */
    owned = true,
    committed = false,
    /** Where a buffer-less subclass (a sharded array) says it is. */
    deviceId?: number,
  ) {
    super();
    this.committed = committed;
    this.scalarValue = undefined;
    this.#buf = buf;
    this.#backend = backend;
    this.#owned = owned;
    this.deviceId = deviceId ?? (buf === null ? 0 : (backend.deviceOfBuffer?.(buf) ?? 0));
    // Host buffers (the cpu backend) are the garbage collector's alone, and so are device records
    // whose data is in host memory only (WebGPU's small results made on wasm): a finalizer's
    // registration would keep them past young-generation collections. One that reaches the
    // device is watched from then on (rewatch).
    if (buf instanceof DeviceBuffer) {
      if (buf.resident) watch(this, buf);
      if (!owned) buf.viewed = true;
    }
    if (owned && scopeStarts.length) scoped.push(this);
  }

  toConcrete(): ConcreteArray {
    return this;
  }

  get backend(): Backend {
    return this.#backend;
  }

  /** Moves the data to `backend` for good (an uncommitted array joining the computation's backend). */
  moveTo(backend: Backend): void {
    if (backend === this.#backend) return;
    const old = this.buffer;
    const buf = backend.put(this.readSync(), this.aval);
    if (this.#owned) this.#backend.free(old);
    this.#buf = buf;
    this.#backend = backend;
    if (this.#owned && buf instanceof DeviceBuffer) watch(this, buf);
  }

  /** The backend buffer; throws if the array was disposed or donated. */
  get buffer(): Buffer {
    const b = this.#buf;
    if (b instanceof DeviceBuffer && b.pool.closed && !b.freed) {
      throw new DeviceLostError(`This array (${this.aval.str()}) lived on ${this.backend.name === "webgpu" ? "a WebGPU" : "a"} device that was lost; its data is gone. Create it again.`);
    }
    if (b === null || (b instanceof DeviceBuffer && b.freed)) {
      const why = b === null ? this.#why : "disposed";
      throw new Error(`This array (${this.aval.str()}) was ${why} and can no longer be used. ` +
        (why === "donated" ? "Do not reuse arguments passed in donateArgnums." : "Do not use an array after dispose()."));
    }
    return b;
  }

  /**
   * After a call that used this array: if its data came back to the device, a finalizer must free
   * it again (unless views of it exist, whose holders are not all known here).
   */
  rewatch(): void {
    const b = this.#buf;
    if (this.#owned && b instanceof DeviceBuffer && b.resident && !b.watched && !b.viewed && !b.freed) watch(this, b);
  }

  /** False for another view of a buffer someone else owns (`jax.liveArrays()`). */
  get isOwned(): boolean {
    return this.#owned;
  }

  get isPinned(): boolean {
    return this.#pinned;
  }

  get isDeleted(): boolean {
    return this.#buf === null || (this.#buf instanceof DeviceBuffer && (this.#buf.freed || this.#buf.pool.closed));
  }

  readSync(): TypedArray {
    return this.backend.readSync(this.buffer, this.aval);
  }
  read(): Promise<TypedArray> {
    return this.backend.read(this.buffer, this.aval);
  }

  override dispose(): void {
    this.release("disposed", true);
  }

  /** The arrays whose buffers this one owns (itself; a sharded array adds its shards), for tidy. */
  parts(): ConcreteArray[] {
    return [this];
  }

  /**
   * Makes this array shared and immortal (cached constants such as JS scalars): dispose, tidy and
   * donation leave it alone; `pin(false)` hands it back to the garbage collector.
   */
  pin(on = true): this {
    this.#pinned = on;
    if (this.#buf instanceof DeviceBuffer) this.#buf.internal = on;
    return this;
  }

  /** Gives up the buffer: `free` false when a program took it over (donation). */
  release(why: "disposed" | "donated", free: boolean): void {
    if (this.#buf === null || this.#pinned) return;
    if (free && !this.isDeleted) this.backend.free(this.#buf);
    this.#buf = null;
    this.#why = why;
  }

  override toString(): string {
    if (this.isDeleted) return `Array(<${this.#why || "disposed"}>, dtype=${this.dtype})`;
    if (!this.backend.syncReads) throw new SyncReadError("x.toString()", "await x.toStringAsync()", backendTitle(this.backend.name));
    return this.describe(this.tolistSync());
  }

  /** JAX's text form of these values (nested as tolist gives them). */
  describe(values: unknown): string {
    const body = formatNested(values, elementFormat(this.dtype), this.ndim, this.dtype === "complex64");
    return `Array(${body}, dtype=${this.dtype}${this.weakType ? ", weak_type=True" : ""})`;
  }

  /** `console.log(x)` in Node and Deno shows the values, as `String(x)`. */
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.inspect();
  }
  [Symbol.for("Deno.customInspect")](): string {
    return this.inspect();
  }

  // console.log must not throw: values on WebGPU come back only asynchronously.
  private inspect(): string {
    if (this.isDeleted || this.backend.syncReads) return this.toString();
    return `Array(<on ${backendTitle(this.backend.name)}: await x.toStringAsync()>, shape=[${this.shape.join(", ")}], dtype=${this.dtype})`;
  }
}

/** Elements as JAX prints them: nan and inf by name, float32 and float16 with the fewest digits that read back the same value. */
function elementFormat(dtype: DType): (v: unknown) => string {
  const shortest = (round: (x: number) => number, digits: number) => (x: number) => {
    for (let p = 1; p < digits; p++) {
      const s = x.toPrecision(p);
      if (round(Number(s)) === x) return String(Number(s));
    }
    return String(x);
  };
  const real =
    dtype === "float32" || dtype === "complex64" ? shortest(Math.fround, 9)
    : dtype === "float16" ? shortest((x) => float16Value(float16Bits(x)), 6)
    : (x: number) => String(x);
  const num = (v: number) => (Number.isNaN(v) ? "nan" : v === Infinity ? "inf" : v === -Infinity ? "-inf" : Object.is(v, -0) ? "-0" : real(v));
  return (v) => (typeof v === "number" ? num(v) : String(v));
}

function formatNested(v: unknown, fmt: (v: unknown) => string, depth: number, complex: boolean): string {
  if (depth === 0) {
    if (!complex) return fmt(v);
    const [re, im] = v as [number, number];
    return `${fmt(re)}${im < 0 || Object.is(im, -0) ? "-" : "+"}${fmt(Math.abs(im))}j`;
  }
  return `[${(v as unknown[]).map((e) => formatNested(e, fmt, depth - 1, complex)).join(", ")}]`;
}

/** One device's piece of an array (`x.addressableShards`), as JAX's Shard. */
/**
 * One device's piece of an array (`x.addressableShards`, as JAX's `Shard`).
 * @example for (const s of x.addressableShards) console.log(String(s.device), s.data.dataSync())
 */
export class Shard {
  constructor(
    readonly device: Device,
    /** The part of the whole array it holds: `[start, stop]` per axis, null for a whole axis (`x.slice(...index)` reads it). */
    readonly index: ShardIndex,
    /** Which copy of that part it is (0 for the first device that holds it). */
    readonly replicaId: number,
    /** The piece, an Array on `device`. */
    readonly data: Array,
  ) {}
  /** JAX's repr. @example String(x.addressableShards[0])   // "Shard(device=wasm:0, index=(slice(0, 2, None),), ...)" */
  toString(): string {
    const idx = this.index.map((i) => (i === null ? "slice(None, None, None)" : `slice(${i[0]}, ${i[1]}, None)`));
    return `Shard(device=${this.device}, index=(${idx.join(", ")}${idx.length === 1 ? "," : ""}), replica_id=${this.replicaId}, data=${this.data})`;
  }
}

/** Registers an array built without a buffer of its own (a sharded array) in the current scope (tidy). */
export function trackInTidy(a: ConcreteArray): void {
  if (scopeStarts.length) scoped.push(a);
}

/**
 * The arrays that hold device memory now (JAX's `jax.live_arrays()`), on the default backend or
 * `platform`. Each is another Array over the same data: reading it reads the array, and
 * `dispose()` frees the data for every holder. Arrays evicted to host memory (see the memory
 * limit) are plain JS memory then and are not listed; cpu arrays are JS memory always.
 * @example for (const x of jax.liveArrays()) x.dispose();   // free everything on the device
 */
export function liveArrays(platform?: BackendName): Array[] {
  const backend = getBackend(platform);
  if (!backend.memory) return [];
  const out: Array[] = [];
  for (let d = 0; d < (backend.deviceCount ?? 1); d++) {
    const pool = backend.memoryOf ? backend.memoryOf(d) : backend.memory;
    for (const b of pool?.residentBuffers() ?? []) if (!b.internal) out.push(new ConcreteArray(b.aval, backend, b, false));
  }
  return out;
}

// Arrays made while a scope is open (jax.tidy, and eager calls of library functions such as
// np.mean, whose intermediates nobody else can hold), innermost scope last.
const scoped: ConcreteArray[] = [];
const scopeStarts: number[] = [];

/** Runs `impl` with `self` and `args` in a scope: arrays it made that are not part of its result are freed. */
export function callInScope(impl: Function, self: unknown, args: unknown[]): any {
  const start = scoped.length;
  scopeStarts.push(start);
  let result: unknown;
  try {
    result = impl.apply(self, args);
  } catch (e) {
    closeScope(start, undefined);
    throw e;
  }
  closeScope(start, result);
  return result;
}

/** Closes the innermost scope: what `result` holds moves to the enclosing scope, the rest is freed. */
function closeScope(start: number, result: unknown): void {
  scopeStarts.pop();
  const end = scoped.length;
  if (end === start) return;
  // An async function (np.allcloseAsync) still uses what it made after it returned its promise:
  // those arrays are left to the garbage collector (tidy refuses async functions).
  if (result && typeof (result as { then?: unknown }).then === "function") {
    if (!scopeStarts.length) scoped.length = start;
    return;
  }
  // A sharded array holds its shards: they are kept with it.
  const one = result instanceof Array && !(result instanceof ConcreteArray && result.parts().length > 1);
  const keep = one ? null : new Set<unknown>(leavesOf(result).flatMap((l) => (l instanceof ConcreteArray ? l.parts() : [l])));
  const outer = scopeStarts.length > 0;
  let kept = start;
  for (let i = start; i < end; i++) {
    const a = scoped[i];
    if (keep ? keep.has(a) : a === result) {
      if (outer) scoped[kept++] = a;
    } else a.dispose();
  }
  scoped.length = kept;
}

/** `fn` such that eager calls free the arrays it makes and does not return (see callInScope). */
export function freeingIntermediates<F extends (...args: any[]) => any>(fn: F): F {
  return function (this: unknown, ...args: unknown[]) {
    return isTransforming() ? fn.apply(this, args) : callInScope(fn, this, args);
  } as F;
}

let isTransforming: () => boolean = () => false;
/** Installed by the tracing core: arrays made while a transformation traces may be kept by it. */
export function setTransformingProbe(probe: () => boolean): void {
  isTransforming = probe;
}

/**
 * Runs `fn` and disposes every array it created that is not part of its result (all of them
 * when it throws).
 * @example const y = jax.tidy(() => np.sin(x).mul(2));   // the sin intermediate is freed now
 */
export function tidy<T>(fn: () => T): T {
  const result = callInScope(fn, undefined, []);
  if (result && typeof (result as { then?: unknown }).then === "function") {
    throw new TypeError("jax.tidy takes a synchronous function: it frees what the function made when it returns, which for " +
      "an async function is at its first await. Call tidy inside the async function, around each synchronous part.");
  }
  return result;
}

function leavesOf(x: unknown, out: unknown[] = []): unknown[] {
  if (x instanceof Array) out.push(x);
  else if (globalThis.Array.isArray(x)) x.forEach((c) => leavesOf(c, out));
  else if (x && typeof x === "object") Object.values(x).forEach((c) => leavesOf(c, out));
  return out;
}

/** A value under transformation: it knows its aval and its trace, not (in general) its data. */
export abstract class Tracer extends Array {
  abstract readonly trace: Trace;

  toConcrete(): ConcreteArray | null {
    return null;
  }

  /** The simplest value standing for this tracer (e.g. a batch tracer with no batch axis). */
  fullLower(): Array {
    return this;
  }

  override toString(): string {
    return `Traced<${this.aval.dtype}[${this.aval.shape.join(",")}]>with<${this.trace.constructor.name}>`;
  }
}

/** JAX's `x.reshape(2, 3)` / `x.reshape([2, 3])`: one JS array, or the numbers themselves. */
function reshapeArgs(name: string, args: unknown[]): number[] {
  if (args.length === 1 && globalThis.Array.isArray(args[0])) return args[0] as number[];
  if (args.every((a) => typeof a === "number")) return args as number[];
  throw new TypeError(`${name}() takes one JS array of ints or the ints themselves; got (${args.map((a) => JSON.stringify(a) ?? String(a)).join(", ")}).`);
}

const backendTitle = (name: string) => (name === "webgpu" ? "WebGPU" : name);

function userView(data: TypedArray, dtype: DType): TypedArray {
  return dtype === "float16" ? decodeFloat16(data) : data;
}

/** Host values for tolist/item: bools as booleans, float16 decoded, complex as [re, im]. */
function toJsValues(data: TypedArray, dtype: DType): (number | boolean | number[])[] {
  switch (dtype) {
    case "bool": return globalThis.Array.from(data, (v) => v !== 0);
    case "float16": return globalThis.Array.from(data, float16Value);
    case "complex64": {
      const out: number[][] = [];
      for (let i = 0; i < data.length; i += 2) out.push([data[i], data[i + 1]]);
      return out;
    }
    default: return globalThis.Array.from(data);
  }
}

function nest(flat: any[], shape: readonly number[]): any {
  if (shape.length === 0) return flat[0];
  const [n, ...rest] = shape;
  const step = prod(rest);
  return globalThis.Array.from({ length: n }, (_, i) => nest(flat.slice(i * step, (i + 1) * step), rest));
}
