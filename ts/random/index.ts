// jax.random with the default threefry2x32 implementation, bit for bit (JAX 0.10 defaults:
// jax_threefry_partitionable=True, x64 disabled). Keys are raw uint32[2] arrays, as
// jax.random.PRNGKey returns. Everything is built from primitives, so it traces under jit.

import { Array, ArrayLike } from "../core/array.js";
import { canonicalAxis, prod } from "../core/aval.js";
import { DType, toDType } from "../core/dtype.js";
import { ValueError, shapeStr } from "../core/errors.js";
import { declareAs } from "../core/signature.js";
import { bind, bind1, scalar } from "../core/trace.js";
import * as ix from "../primitives/indexing.js";
import * as l from "../primitives/layout.js";
import * as m from "../primitives/math.js";
import { bitcastConvertType, threefry2x32 } from "../primitives/random.js";
import { array, astype, toArray } from "../numpy/convert.js";
import { argmax } from "../numpy/reductions.js";
import { arange } from "../numpy/creation.js";
import { take } from "../numpy/manip.js";
import { expandDims, reshape } from "../numpy/shape.js";
import { add, broadcastTo, less, log, maximum, multiply, negative, subtract } from "../numpy/ufuncs.js";

type Shape = number | number[];
const shapeOf = (s: Shape | undefined): number[] => (s === undefined ? [] : typeof s === "number" ? [s] : [...s]);
const u32 = (v: number) => scalar(v >>> 0, "uint32", false);

function checkKey(name: string, key: Array): void {
  if (key.dtype !== "uint32" || key.ndim !== 1 || key.shape[0] !== 2) {
    throw new TypeError(`random.${name}: expected a PRNG key (uint32 array of shape (2,), from random.key / random.split), got ${key.aval.str()}. Use vmap for batches of keys.`);
  }
}

function keyImpl(seed: number | Array): Array {
  if (typeof seed === "number") {
    if (!Number.isInteger(seed)) throw new TypeError(`PRNG key seed must be an integer; got ${seed}.`);
    // Seeds are int32 with x64 disabled: the high word is 0 and the low word the seed's bits.
    return array(Uint32Array.of(0, seed >>> 0));
  }
  if (seed.ndim !== 0) throw new TypeError(`PRNG key seed must be a scalar; got shape ${shapeStr(seed.shape)}.`);
  if (seed.dtype !== "int32" && seed.dtype !== "uint32") throw new TypeError(`PRNG key seed must be an integer; got ${seed.dtype}.`);
  const lo = seed.dtype === "uint32" ? seed : bind1(bitcastConvertType, [seed], { new_dtype: "uint32" });
  return bind1(ix.concatenate, [reshape(u32(0), [1]), reshape(lo, [1])], { dimension: 0 });
}

/** threefry2x32 of the key's two words over (hi, lo) counter words. */
function hash(k: Array, hi: Array, lo: Array): [Array, Array] {
  const [b1, b2] = bind(threefry2x32, [k.slice(0), k.slice(1), hi, lo]);
  return [b1, b2];
}

/** The uint64 iota of `shape` as (hi, lo) uint32 words (hi is 0 below 2^32 elements). */
function iota2x32(shape: number[]): [Array, Array] {
  const n = prod(shape);
  if (n >= 2 ** 32) throw new ValueError(`random: arrays of ${n} elements (2^32 or more) are not supported.`);
  const lo = reshape(bind1(l.iota, [], { dtype: "uint32", shape: [n], dimension: 0, sharding: null }), shape);
  const hi = bind1(l.broadcastInDim, [u32(0)], { shape, broadcast_dimensions: [], sharding: null });
  return [hi, lo];
}

function splitImpl(k: Array, num: Shape = 2): Array {
  checkKey("split", k);
  const shape = shapeOf(num);
  const [b1, b2] = hash(k, ...iota2x32(shape));
  const col = (b: Array) => reshape(b, [...shape, 1]);
  return bind1(ix.concatenate, [col(b1), col(b2)], { dimension: shape.length });
}

function foldInImpl(k: Array, data: number | Array): Array {
  checkKey("foldIn", k);
  const d = typeof data === "number" ? u32(data) : data.dtype === "uint32" ? data : data.dtype === "int32" ? bind1(bitcastConvertType, [data], { new_dtype: "uint32" }) : astype(data, "uint32");
  const [b1, b2] = hash(k, u32(0), d);
  return bind1(ix.concatenate, [reshape(b1, [1]), reshape(b2, [1])], { dimension: 0 });
}

function bitsImpl(k: Array, shape: Shape = []): Array {
  checkKey("bits", k);
  const [b1, b2] = hash(k, ...iota2x32(shapeOf(shape)));
  return bind1(m.xor, [b1, b2]);
}

interface FloatOpts { dtype?: DType | string | null }

function floatDType(name: string, dtype: DType | string | null | undefined): DType {
  const d = toDType(dtype ?? "float32");
  if (d !== "float32") throw new TypeError(`random.${name} supports float32 only (got ${d}).`);
  return d;
}

function uniformImpl(k: Array, shape: Shape = [], { dtype, minval = 0, maxval = 1 }: FloatOpts & { minval?: ArrayLike; maxval?: ArrayLike } = {}): Array {
  const d = floatDType("uniform", dtype);
  const s = shapeOf(shape);
  const lo = broadcastTo(astype(minval, d), s), hi = broadcastTo(astype(maxval, d), s);
  // 23 random mantissa bits under the exponent of 1.0 give a float in [1, 2).
  const mant = bind1(m.shiftRightLogical, [bitsImpl(k, s), bind1(l.broadcastInDim, [u32(9)], { shape: s, broadcast_dimensions: [], sharding: null })]);
  const one = bind1(l.broadcastInDim, [u32(0x3f800000)], { shape: s, broadcast_dimensions: [], sharding: null });
  const floats = subtract(bind1(bitcastConvertType, [bind1(m.or, [mant, one])], { new_dtype: d }), astype(1, d));
  return maximum(lo, add(multiply(floats, subtract(hi, lo)), lo));
}

function normalImpl(k: Array, shape: Shape = [], { dtype }: FloatOpts = {}): Array {
  const d = floatDType("normal", dtype);
  const lo = -0.9999999403953552; // nextafter(-1, 0) in float32
  const u = uniformImpl(k, shape, { dtype: d, minval: lo, maxval: 1 });
  return multiply(astype(Math.SQRT2, d), bind1(m.erfInv, [u]));
}

function bernoulliImpl(k: Array, p: ArrayLike = 0.5, shape?: Shape): Array {
  const pa = toArray(typeof p === "number" ? astype(p, "float32") : p);
  const s = shape === undefined ? pa.shape : shapeOf(shape);
  return less(uniformImpl(k, s, { dtype: pa.dtype }), pa);
}

function gumbelImpl(k: Array, shape: Shape = [], { dtype }: FloatOpts = {}): Array {
  const d = floatDType("gumbel", dtype);
  return negative(log(negative(log(uniformImpl(k, shape, { dtype: d, minval: 1.1754943508222875e-38, maxval: 1 })))));
}

function categoricalImpl(k: Array, logits: ArrayLike, { axis = -1, shape }: { axis?: number; shape?: Shape } = {}): Array {
  const lg = toArray(logits);
  const ax = canonicalAxis(axis, lg.ndim);
  const batch = lg.shape.filter((_, i) => i !== ax);
  const s = shape === undefined ? batch : shapeOf(shape);
  const tail = s.slice(s.length - batch.length);
  if (s.length < batch.length || tail.some((n, i) => n !== batch[i])) {
    throw new ValueError(`random.categorical: shape ${shapeStr(s)} must end with the logits' batch shape ${shapeStr(batch)}.`);
  }
  const prefix = s.slice(0, s.length - batch.length);
  const logitsShape = [...tail];
  logitsShape.splice(ax, 0, lg.shape[ax]);
  const g = gumbelImpl(k, [...prefix, ...logitsShape], { dtype: lg.dtype });
  const lgx = prefix.length ? expandDims(lg, prefix.map((_, i) => i)) : lg;
  return argmax(add(g, lgx), { axis: prefix.length + ax });
}

function shuffle(k: Array, x: Array, axis: number): Array {
  const rounds = Math.ceil((3 * Math.log(Math.max(1, x.size))) / Math.log(4294967295));
  for (let i = 0; i < rounds; i++) {
    const keys = splitImpl(k);
    k = keys.slice(0);
    const sortKeys = bitsImpl(keys.slice(1), x.shape);
    x = bind(ix.sort, [sortKeys, x], { dimension: axis, is_stable: true, num_keys: 1 })[1];
  }
  return x;
}

function permutationImpl(k: Array, x: number | Array, { axis = 0, independent = false }: { axis?: number; independent?: boolean } = {}): Array {
  checkKey("permutation", k);
  if (typeof x === "number") {
    if (!Number.isInteger(x)) throw new TypeError("x must be an integer or at least 1-dimensional");
    return shuffle(k, arange(x), 0);
  }
  if (x.ndim === 0) throw new TypeError("x must be an integer or at least 1-dimensional");
  const ax = canonicalAxis(axis, x.ndim);
  if (independent || x.ndim === 1) return shuffle(k, x, ax);
  return take(x, shuffle(k, arange(x.shape[ax]), 0), { axis: ax });
}

// ---- the public, checked entry points (positional parameters in JAX's order) ----

type DTypeLike = DType | string | null | undefined;
/** `uniform`'s parameters after the shape: `dtype, minval, maxval` positionally, or the options. */
type UniformRest = [opts?: FloatOpts & { minval?: ArrayLike; maxval?: ArrayLike }] | [dtype: DTypeLike, opts?: { minval?: ArrayLike; maxval?: ArrayLike }] | [dtype: DTypeLike, minval: ArrayLike | undefined, maxval?: ArrayLike];
type FloatRest = [opts?: FloatOpts] | [dtype: DTypeLike];
type CategoricalRest = [opts?: { axis?: number; shape?: Shape }] | [axis: number | undefined, opts?: { shape?: Shape }] | [axis: number | undefined, shape: Shape | undefined];
type PermutationRest = [opts?: { axis?: number; independent?: boolean }] | [axis: number | undefined, opts?: { independent?: boolean }] | [axis: number | undefined, independent: boolean | undefined];

/**
 * A raw threefry key from an integer seed, as `jax.random.PRNGKey(seed)`.
 * @example const key = random.key(0)   // uint32 [0, 0]
 */
export const key: (seed: number | Array) => Array = declareAs("random.key", "seed", "", keyImpl);

/** Splits a key into `num` new keys (shape [num, 2], or [...shape, 2]). @example const [k1, k2] = random.split(key) */
export const split: (key: Array, num?: number | number[]) => Array = declareAs("random.split", "key, num?:shape", "", splitImpl);

/** A new key derived from `k` and an integer. @example const stepKey = random.foldIn(key, step) */
export const foldIn: (key: Array, data: number | Array) => Array = declareAs("random.foldIn", "key, data", "", foldInImpl);

/** Uniform random uint32 bits of `shape`. @example random.bits(key, [4])   // uint32[4] */
export const bits: (key: Array, shape?: number | number[]) => Array = declareAs("random.bits", "key, shape?:shape", "", bitsImpl);

/**
 * Uniform floats in [minval, maxval). @example random.uniform(key, [3], {minval: -1, maxval: 1})
 */
export const uniform: (key: Array, shape?: number | number[], ...rest: UniformRest) => Array = declareAs("random.uniform", "key, shape?:shape, dtype?:dtype, minval?, maxval?", "dtype minval maxval", uniformImpl);

/** Standard normal samples. @example random.normal(key, [2, 3]).mul(0.1)   // float32[2,3] */
export const normal: (key: Array, shape?: number | number[], ...rest: FloatRest) => Array = declareAs("random.normal", "key, shape?:shape, dtype?:dtype", "dtype", normalImpl);

/** True with probability p. @example random.bernoulli(key, 0.3, [5]) */
export const bernoulli: (key: Array, p?: ArrayLike, shape?: number | number[]) => Array<"bool"> = declareAs("random.bernoulli", "key, p?, shape?:shape", "", bernoulliImpl);

/** Standard Gumbel samples ("low" mode, JAX's default). @example random.gumbel(key, [5]) */
export const gumbel: (key: Array, shape?: number | number[], ...rest: FloatRest) => Array = declareAs("random.gumbel", "key, shape?:shape, dtype?:dtype", "dtype", gumbelImpl);

/** Samples category indices from unnormalised log-probabilities along `axis`. @example random.categorical(key, np.log(np.array([0.2, 0.8])), {shape: [10]})   // int32[10] of 0s and 1s */
export const categorical: (key: Array, logits: ArrayLike, ...rest: CategoricalRest) => Array<"int32"> = declareAs("random.categorical", "key, logits, axis?:int, shape?:shape", "axis shape", categoricalImpl);

/** A random permutation of arange(n), or of an array's entries along `axis`. @example random.permutation(key, 5)   // a shuffle of [0, 1, 2, 3, 4] */
export const permutation: (key: Array, x: number | Array, ...rest: PermutationRest) => Array = declareAs("random.permutation", "key, x, axis?:int, independent?", "axis independent", permutationImpl);
/** The same key as `random.key(seed)` (JAX's older name). @example const key = random.PRNGKey(0) */
export const PRNGKey: (seed: number | Array) => Array = declareAs("random.PRNGKey", "seed", "", keyImpl);
