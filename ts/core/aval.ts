// Abstract values: what tracing knows of an array (shape, dtype, weak type), never its data.

import { DType, SHORT_NAME } from "./dtype.js";
import { ValueError, shapeStr } from "./errors.js";

/**
 * An abstract value: the shape, dtype and weak type tracing knows of an array.
 * @example String(new jax.ShapedArray([2, 3], "float32"))   // "ShapedArray(float32[2,3])"
 */
export class ShapedArray {
  constructor(
    readonly shape: readonly number[],
    readonly dtype: DType,
    readonly weakType = false,
    /**
     * Inside a shardMap body with checkVma: the mesh axes the value may vary over (JAX's
     * varying manual axes); absent elsewhere.
     */
    readonly vma?: ReadonlySet<string>,
  ) {
    // Every shape passes here: a negative or fractional size must never reach a kernel.
    for (const d of shape) {
      if (!(Number.isInteger(d) && d >= 0)) {
        throw new ValueError(`Shapes must be 1D sequences of non-negative integers; got ${shapeStr(shape.map((x) => x))} (a size of ${d}).`);
      }
    }
  }

  /** The number of axes. @example new jax.ShapedArray([2, 3], "float32").ndim   // 2 */
  get ndim(): number {
    return this.shape.length;
  }

  /** The number of elements. @example new jax.ShapedArray([2, 3], "float32").size   // 6 */
  get size(): number {
    return prod(this.shape);
  }

  /** JAX's text form: `f32[3,4]`. */
  str(): string {
    return `${SHORT_NAME[this.dtype]}[${this.shape.join(",")}]`;
  }

  /** As JAX prints it. @example String(new jax.ShapedArray([2], "int32"))   // "ShapedArray(int32[2])" */
  toString(): string {
    return `ShapedArray(${this.dtype}[${this.shape.join(",")}]${this.weakType ? ", weak_type=True" : ""})`;
  }

  /** Same shape, dtype and weak type. @example a.equals(b) */
  equals(o: ShapedArray): boolean {
    return this.dtype === o.dtype && this.weakType === o.weakType && sameShape(this.shape, o.shape);
  }

  /** Equal up to weak type (what jaxpr type checking compares). */
  sameType(o: ShapedArray): boolean {
    return this.dtype === o.dtype && sameShape(this.shape, o.shape);
  }

  /** The same aval with another weak type. @example aval.withWeak(false) */
  withWeak(weakType: boolean): ShapedArray {
    return weakType === this.weakType ? this : new ShapedArray(this.shape, this.dtype, weakType, this.vma);
  }

  /** The same type with another shape (the varying axes kept). */
  withShape(shape: readonly number[]): ShapedArray {
    return new ShapedArray(shape, this.dtype, this.weakType, this.vma);
  }

  /** The same type varying over `vma` (none: an untyped value). */
  withVma(vma: ReadonlySet<string> | undefined): ShapedArray {
    return new ShapedArray(this.shape, this.dtype, this.weakType, vma && vma.size ? vma : undefined);
  }

  /** A hashable key for caches keyed by avals (computed once: avals are immutable). */
  key(): string {
    return (this.#key ??= `${this.dtype}${this.weakType ? "~" : ""}[${this.shape}]${this.vma?.size ? `{V:${[...this.vma].sort()}}` : ""}`);
  }
  #key: string | undefined;
}

export const prod = (xs: readonly number[]): number => xs.reduce((a, b) => a * b, 1);

export const sameShape = (a: readonly number[], b: readonly number[]): boolean =>
  a.length === b.length && a.every((d, i) => d === b[i]);

/** Row-major strides, in elements. */
export function stridesOf(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
}

/** Normalises a possibly negative axis against `ndim`, with JAX's error when out of range. */
export function canonicalAxis(axis: number, ndim: number, what = "axis"): number {
  if (!Number.isInteger(axis) || axis < -ndim || axis >= ndim) {
    throw new ValueError(`${what} ${axis} is out of bounds for array of dimension ${ndim}.`);
  }
  return axis < 0 ? axis + ndim : axis;
}

/** NumPy broadcasting of shapes; throws naming both shapes when they are incompatible. */
export function broadcastShapes(...shapes: (readonly number[])[]): number[] {
  const ndim = Math.max(0, ...shapes.map((s) => s.length));
  const out = new Array<number>(ndim).fill(1);
  for (const s of shapes) {
    for (let i = 0; i < s.length; i++) {
      const j = ndim - s.length + i;
      const d = s[i];
      if (d === out[j] || d === 1) continue;
      if (out[j] === 1) out[j] = d;
      else {
        throw new ValueError(`Incompatible shapes for broadcasting: shapes=[${shapes.map(shapeStr).join(", ")}]`);
      }
    }
  }
  return out;
}
