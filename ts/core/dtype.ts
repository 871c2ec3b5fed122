// dtypes, JAX's type-promotion lattice, and the typed arrays that hold each dtype on the host.

/** The dtypes, by JAX's names (`np.float32` etc. are these strings). @example np.zeros([2], "int32").dtype   // "int32" */
export type DType = "bool" | "int32" | "uint32" | "float16" | "float32" | "float64" | "complex64";

/** The default float dtype (JS numbers make float32 arrays). @example np.zeros([2], np.float32) */
export const float32: DType = "float32";
/** Double precision (the cpu and wasm backends; not WebGPU). @example np.array([0.1], np.float64) */
export const float64: DType = "float64";
/** Half precision, computed in float32 lanes and rounded after every op. @example np.ones([2], np.float16) */
export const float16: DType = "float16";
/** The default integer dtype. @example np.arange(3).dtype === np.int32   // true */
export const int32: DType = "int32";
/** Unsigned 32-bit integers (random keys are uint32). @example np.array([1, 2], np.uint32) */
export const uint32: DType = "uint32";
/** Booleans (comparisons make bool arrays). @example np.array([true, false]).dtype === np.bool   // true */
export const bool: DType = "bool";
/** Complex numbers as two float32s. @example lax.complex(np.array([1]), np.array([2])).dtype === np.complex64   // true */
export const complex64: DType = "complex64";

export const DTYPES: readonly DType[] = ["bool", "int32", "uint32", "float16", "float32", "float64", "complex64"];

/** JAX's short names, used by the jaxpr printer (`f32[3]`). */
export const SHORT_NAME: Record<DType, string> = {
  bool: "bool", int32: "i32", uint32: "u32", float16: "f16", float32: "f32", float64: "f64", complex64: "c64",
};

/** The typed arrays that hold each dtype on the host (`x.dataSync()` returns one). @example np.arange(3).dataSync()   // Int32Array */
export type TypedArray = Float32Array | Float64Array | Int32Array | Uint32Array | Uint8Array | Uint16Array;

export function isDType(x: unknown): x is DType {
  return typeof x === "string" && (DTYPES as readonly string[]).includes(x);
}

/** Accepts a dtype name or a dtype-like alias ("float", "int", "complex"), as jnp does. */
export function toDType(x: unknown): DType {
  if (isDType(x)) return x;
  const aliases: Record<string, DType> = { float: "float32", int: "int32", complex: "complex64", bool_: "bool" };
  if (typeof x === "string" && x in aliases) return aliases[x];
  throw new TypeError(`Unsupported dtype ${String(x)}: use one of ${DTYPES.join(", ")}.`);
}

export const isFloat = (d: DType) => d === "float16" || d === "float32" || d === "float64";
export const isComplex = (d: DType) => d === "complex64";
export const isInexact = (d: DType) => isFloat(d) || isComplex(d);
export const isInteger = (d: DType) => d === "int32" || d === "uint32";
export const isUnsigned = (d: DType) => d === "uint32";

/** Bytes per element as the backends store it (complex64 is two float32s). */
export function itemsize(d: DType): number {
  switch (d) {
    case "bool": return 1;
    case "float16": return 2;
    case "float64": case "complex64": return 8;
    default: return 4;
  }
}

/** A host buffer for `size` elements; complex64 interleaves (re, im) float32 pairs. */
type TypedArrayView = new (buffer: ArrayBufferLike, byteOffset: number, length: number) => TypedArray;
const HOST_VIEWS: Record<DType, TypedArrayView> = {
  bool: Uint8Array, int32: Int32Array, uint32: Uint32Array, float16: Uint16Array, float32: Float32Array, float64: Float64Array, complex64: Float32Array,
};

/** The typed-array class that holds a dtype's elements on the host (complex64: two float32 per element). */
export function hostView(d: DType): TypedArrayView {
  return HOST_VIEWS[d];
}

/** The first `byteLength` bytes of `bytes` as dtype `d`'s host elements: a view, no copy (aligned to the element). */
export function bytesAs(d: DType, bytes: Uint8Array, byteLength = bytes.byteLength): TypedArray {
  const View = HOST_VIEWS[d];
  return new View(bytes.buffer, bytes.byteOffset, byteLength / (View as unknown as { BYTES_PER_ELEMENT: number }).BYTES_PER_ELEMENT);
}

export function allocHost(d: DType, size: number): TypedArray {
  switch (d) {
    case "bool": return new Uint8Array(size);
    case "int32": return new Int32Array(size);
    case "uint32": return new Uint32Array(size);
    case "float16": return new Uint16Array(size);
    case "float32": return new Float32Array(size);
    case "float64": return new Float64Array(size);
    case "complex64": return new Float32Array(2 * size);
  }
}

/** The dtype a typed array keeps when it becomes an Array (`Int32Array` gives int32). */
export function dtypeOfTypedArray(a: ArrayBufferView): DType {
  if (a instanceof Float32Array) return "float32";
  if (a instanceof Float64Array) return "float64";
  if (a instanceof Int32Array || a instanceof Int16Array || a instanceof Int8Array) return "int32";
  if (a instanceof Uint32Array || a instanceof Uint16Array) return "uint32";
  if (a instanceof Uint8Array || a instanceof Uint8ClampedArray) return "uint32";
  throw new TypeError(`Unsupported typed array ${a.constructor.name}.`);
}

// ---- type promotion: JAX's lattice (jax._src.dtypes), with weak types for JS numbers ----
// Nodes are dtypes plus the weak kinds "i*", "f*", "c*". With 64-bit integers absent,
// joins that would reach int64 land on int32, as JAX does with x64 disabled.
type Node = DType | "i*" | "f*" | "c*" | "i64" | "c128";
const EDGES: Record<Node, Node[]> = {
  bool: ["i*"],
  "i*": ["uint32", "int32"],
  uint32: ["i64"],
  int32: ["i64"],
  i64: ["f*"],
  "f*": ["c*", "float16"],
  float16: ["float32"],
  float32: ["float64", "complex64"],
  float64: ["c128"],
  "c*": ["complex64"],
  complex64: ["c128"],
  c128: [],
};

const UPPER = new Map<Node, Set<Node>>();
for (const n of Object.keys(EDGES) as Node[]) {
  const seen = new Set<Node>();
  const stack: Node[] = [n];
  while (stack.length) {
    const m = stack.pop()!;
    if (seen.has(m)) continue;
    seen.add(m);
    stack.push(...EDGES[m]);
  }
  UPPER.set(n, seen);
}

function weakNode(d: DType): Node {
  if (isComplex(d)) return "c*";
  if (isFloat(d)) return "f*";
  return "i*";
}

function lub(a: Node, b: Node): Node {
  const ua = UPPER.get(a)!, ub = UPPER.get(b)!;
  const common = [...ua].filter((n) => ub.has(n));
  // The least upper bound is the common bound that every other common bound sits above.
  const least = common.find((c) => common.every((o) => UPPER.get(c)!.has(o)));
  if (!least) throw new TypeError(`No type promotion between ${a} and ${b}.`);
  return least;
}

const STRONG = Object.fromEntries(DTYPES.map((d) => [d, Object.freeze({ dtype: d, weakType: false })])) as Record<DType, { dtype: DType; weakType: boolean }>;

/** Result dtype and weakness of combining operands, following `jnp.promote_types` with weak types. */
export function promoteTypes(...ts: { dtype: DType; weakType: boolean }[]): { dtype: DType; weakType: boolean } {
  // The common case of eager ops, without walking the lattice.
  const d0 = ts[0].dtype;
  if (ts.every((t) => t.dtype === d0 && !t.weakType)) return STRONG[d0];
  let node: Node = ts[0].weakType ? weakNode(ts[0].dtype) : ts[0].dtype;
  for (const t of ts.slice(1)) node = lub(node, t.weakType ? weakNode(t.dtype) : t.dtype);
  switch (node) {
    case "i*": return { dtype: "int32", weakType: true };
    case "f*": return { dtype: "float32", weakType: true };
    case "c*": return { dtype: "complex64", weakType: true };
    case "i64": return { dtype: "int32", weakType: false };
    case "c128": return { dtype: "complex64", weakType: false };
    default: return { dtype: node, weakType: false };
  }
}

// ---- float16 storage (Node 20 has no Float16Array): round-to-nearest-even conversions ----
const f32buf = new Float32Array(1);
const u32buf = new Uint32Array(f32buf.buffer);

export function float16Bits(x: number): number {
  f32buf[0] = x;
  const b = u32buf[0];
  const sign = (b >>> 16) & 0x8000;
  const exp = (b >>> 23) & 0xff;
  let mant = b & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  let e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    let half = mant >>> shift;
    const rem = mant & ((1 << shift) - 1);
    const mid = 1 << (shift - 1);
    if (rem > mid || (rem === mid && (half & 1))) half++;
    return sign | half;
  }
  let half = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && (half & 1))) half++;
  return sign | half;
}

let halfTable: Float32Array | null = null;

/** float16 bits as float32 values, by a table of all 65536 halves (readback of large arrays). */
export function decodeFloat16(bits: ArrayLike<number>): Float32Array {
  if (!halfTable) {
    halfTable = new Float32Array(65536);
    for (let h = 0; h < 65536; h++) halfTable[h] = float16Value(h);
  }
  const out = new Float32Array(bits.length);
  for (let i = 0; i < bits.length; i++) out[i] = halfTable[bits[i]];
  return out;
}

export function float16Value(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const e = (h >>> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return sign * m * 2 ** -24;
  if (e === 0x1f) return m ? NaN : sign * Infinity;
  return sign * (1 + m / 1024) * 2 ** (e - 15);
}

/** Rounds a JS number to what `dtype` can hold (the cast semantics of convert_element_type). */
export function castScalar(x: number, d: DType): number {
  switch (d) {
    case "bool": return x !== 0 && !Number.isNaN(x) ? 1 : 0;
    // Out-of-range floats saturate, as XLA's conversions do.
    case "int32": return Number.isNaN(x) ? 0 : Math.min(2147483647, Math.max(-2147483648, Math.trunc(x)));
    case "uint32": return Number.isNaN(x) ? 0 : Math.min(4294967295, Math.max(0, Math.trunc(x)));
    case "float16": return float16Value(float16Bits(x));
    case "float32": case "complex64": return Math.fround(x);
    case "float64": return x;
  }
}
