// The user-facing Array: concrete arrays (data on a backend) and tracers (values being
// transformed) share one class, so user code is typed the same inside and outside `jit`/`grad`.

import { ShapedArray, prod } from "./aval.js";
import { Backend, BackendName, Buffer, Device, deviceOf, getBackend } from "./backend.js";
import { DeviceBuffer, watch } from "./memory.js";
import { DType, TypedArray, decodeFloat16, float16Value } from "./dtype.js";
import { ConcretizationTypeError, DeviceLostError, SyncReadError } from "./errors.js";
import type { Trace } from "./trace.js";

/** Anything an op accepts as an array operand. */
export type ArrayLike = Array | number | boolean | TypedArray | NestedArray;
export interface NestedArray extends ReadonlyArray<number | boolean | NestedArray> {}

/** One index spec of `x.slice(...)` / `x.at(...)`. */
export type IndexSpec = number | null | [number | null, number | null] | [number | null, number | null, number | null] | Array;

/** Axes of a reduction: one, several (a JS array), or null for all. */
export type Axis = number | number[] | null;

export interface ReduceOptions {
  axis?: Axis;
  keepdims?: boolean;
}

/** What `item()` returns for a dtype: booleans for bool, [re, im] for complex64, numbers otherwise. */
export type ItemOf<D extends DType> = D extends "bool" ? boolean : D extends "complex64" ? [number, number] : number;

/** `x.at(...)`: functional updates, JAX's `.at[]`. */
export interface AtIndexer {
  get(): Array;
  set(v: ArrayLike): Array;
  add(v: ArrayLike): Array;
  mul(v: ArrayLike): Array;
  min(v: ArrayLike): Array;
  max(v: ArrayLike): Array;
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
 */
export abstract class Array<D extends DType = DType> {
  abstract readonly aval: ShapedArray;

  get shape(): number[] {
    return this.aval.shape as number[];
  }
  get dtype(): D {
    return this.aval.dtype as D;
  }
  get ndim(): number {
    return this.aval.shape.length;
  }
  get size(): number {
    return this.aval.size;
  }
  get weakType(): boolean {
    return this.aval.weakType;
  }

  /** The concrete array behind this value, or null while it is abstract (traced). */
  abstract toConcrete(): ConcreteArray | null;

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

  get device(): Device {
    return deviceOf(this.concrete("the device of a traced value").backend);
  }

  /** Flat typed array of the values (float16 comes back as float32, bool as Uint8Array). */
  async data(): Promise<TypedArray> {
    const c = this.concrete("data()");
    return userView(await c.read(), c.dtype);
  }
  /** The values now, as `data()` (on WebGPU, where reads are asynchronous, an error naming `await x.data()`). */
  dataSync(): TypedArray {
    const c = this.readable("dataSync()", "await x.data()");
    return userView(c.readSync(), c.dtype);
  }
  /** Nested JS arrays (a 0-d array gives a plain number). */
  async tolist(): Promise<any> {
    const c = this.concrete("tolist()");
    return nest(toJsValues(await c.read(), c.dtype), c.shape);
  }
  /** Nested JS arrays now, as `tolist()` (on WebGPU an error naming `await x.tolist()`). */
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
  add(y: ArrayLike): Array { return theOps().add(this, y); }
  sub(y: ArrayLike): Array { return theOps().subtract(this, y); }
  mul(y: ArrayLike): Array { return theOps().multiply(this, y); }
  div(y: ArrayLike): Array { return theOps().divide(this, y); }
  pow(y: ArrayLike): Array { return theOps().power(this, y); }
  neg(): Array { return theOps().negative(this); }
  matmul(y: ArrayLike): Array { return theOps().matmul(this, y); }
  lt(y: ArrayLike): Array<"bool"> { return theOps().less(this, y) as Array<"bool">; }
  le(y: ArrayLike): Array<"bool"> { return theOps().lessEqual(this, y) as Array<"bool">; }
  gt(y: ArrayLike): Array<"bool"> { return theOps().greater(this, y) as Array<"bool">; }
  ge(y: ArrayLike): Array<"bool"> { return theOps().greaterEqual(this, y) as Array<"bool">; }
  eq(y: ArrayLike): Array<"bool"> { return theOps().equal(this, y) as Array<"bool">; }
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
  [Symbol.dispose](): void {
    this.dispose();
  }
}

/** An array whose data lives on a backend. */
export class ConcreteArray extends Array {
  #buf: Buffer | null;
  #why = "";
  #pinned = false;
  readonly #owned: boolean;

  /** JAX's committed arrays (devicePut, a device option, results of committed inputs) stay where they are; others go where the computation runs. */
  committed: boolean;
  /** The JS value of a cached scalar (the runtime's shared 0-d arrays), which has a twin on every backend. */
  scalarValue: number | undefined;

  constructor(
    readonly aval: ShapedArray,
    readonly backend: Backend,
    buf: Buffer,
    /** false: another array over a buffer someone else owns (`jax.liveArrays()`); disposing it frees the data for all. */
    owned = true,
    committed = false,
  ) {
    super();
    this.committed = committed;
    this.scalarValue = undefined;
    this.#buf = buf;
    this.#owned = owned;
    if (!owned) return;
    // Host buffers (the cpu backend) are the garbage collector's alone.
    if (buf instanceof DeviceBuffer) watch(this, buf);
    tidyScopes[tidyScopes.length - 1]?.add(this);
  }

  toConcrete(): ConcreteArray {
    return this;
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

  /** After a call that used this array: if its data came back to the device, a finalizer must free it again. */
  rewatch(): void {
    const b = this.#buf;
    if (this.#owned && b instanceof DeviceBuffer && b.resident && !b.watched) watch(this, b);
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

  /** JAX's text form of these values. */
  describe(values: unknown): string {
    const body = JSON.stringify(values)?.replace(/,/g, ", ");
    return `Array(${body}, dtype=${this.dtype}${this.weakType ? ", weak_type=True" : ""})`;
  }
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
  for (const b of backend.memory.residentBuffers()) if (!b.internal) out.push(new ConcreteArray(b.aval, backend, b, false));
  return out;
}

const tidyScopes: Set<ConcreteArray>[] = [];

/**
 * Runs `fn` and disposes every array it created that is not part of its result.
 * @example const y = jax.tidy(() => np.sin(x).mul(2));   // the sin intermediate is freed now
 */
export function tidy<T>(fn: () => T): T {
  const scope = new Set<ConcreteArray>();
  tidyScopes.push(scope);
  let result: T;
  try {
    result = fn();
  } finally {
    tidyScopes.pop();
  }
  const keep = new Set<unknown>(leavesOf(result));
  const parent = tidyScopes[tidyScopes.length - 1];
  for (const a of scope) {
    if (keep.has(a)) parent?.add(a);
    else a.dispose();
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
