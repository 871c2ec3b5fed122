// Types of pytrees as the transformations see them: they keep the structure of what the user
// passes (plain objects, JS arrays and tuples, null) and say what becomes of the leaves.

import type { Array } from "./array.js";

/** `any` stays `any` (so untyped code keeps compiling) instead of spreading into both branches. */
type IsAny<T> = 0 extends 1 & T ? true : false;

/** What a pytree holds at its leaves. */
export type Leaf = Array | number | boolean;

/**
 * `T` with its leaves as a transformation hands them to traced code and returns them: JS numbers
 * and booleans become Arrays; Arrays, null and functions stay as they are.
 * @example Lifted<{w: Array, lr: number}>   // {w: Array, lr: Array}
 */
export type Lifted<T> = IsAny<T> extends true ? any
  : T extends Array ? T
  : T extends number | boolean ? Array
  : T extends null | undefined ? T
  : T extends (...args: any[]) => any ? T
  : T extends readonly unknown[] ? { -readonly [K in keyof T]: Lifted<T[K]> }
  : T extends object ? { [K in keyof T]: Lifted<T[K]> }
  : T;

/** The leaf types of a pytree `T` (`any` when `T` is unknown). */
export type LeafOf<T> = IsAny<T> extends true ? any
  : unknown extends T ? any
  : T extends Leaf ? T
  : T extends null | undefined ? never
  : T extends readonly (infer E)[] ? LeafOf<E>
  : T extends object ? { [K in keyof T]: LeafOf<T[K]> }[keyof T]
  : T;

/** A value of `T`'s structure whose leaves may be any leaf (what a loop body may return as the carry). */
export type LeafLike<T> = MapLeaves<T, Leaf>;

/** `T` with every leaf a plain `Array`: the type of a gradient or tangent of `T`. */
export type Tangent<T> = MapLeaves<T, Array>;

/** `T` with each leaf replaced by `R` (what `tree.map` returns). */
export type MapLeaves<T, R> = IsAny<T> extends true ? any
  : T extends Leaf | ((...args: any[]) => any) ? R
  : T extends null | undefined ? T
  : T extends readonly unknown[] ? { -readonly [K in keyof T]: MapLeaves<T[K], R> }
  : T extends object ? { [K in keyof T]: MapLeaves<T[K], R> }
  : R;

/** Each element of an argument list lifted (the operands a `lax.cond` branch receives). */
export type LiftedArgs<A extends readonly unknown[]> = { -readonly [K in keyof A]: Lifted<A[K]> };
