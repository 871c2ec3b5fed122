// The public types of the transformations: each keeps its function's argument and result types
// (`grad` of `(p: P, x: Array) => Array` is `(p: P, x: Array) => P`), so a wrong argument count or
// a misuse of the result is a compile error rather than `any`.

import type { Array } from "../core/array.js";
import type { AxisName } from "../core/primitive.js";
import type { Leaf, LeafLike, Lifted, Tangent } from "../core/tree_types.js";

/** Any function a transformation takes. */
export type Fn = (...args: any[]) => any;

/** A function returning `[output, aux]` (for `hasAux`: its return is read as a pair). */
export type AuxFn = (...args: any[]) => readonly [any, any];

/** Which arguments to differentiate: an index (negative counts from the end) or a JS array of them. */
export type Argnums = number | readonly number[];

/** An options object with no keys beyond `Allowed`'s (a misspelt option is a compile error). */
export type Exact<O, Allowed> = O & { [K in Exclude<keyof O, keyof Allowed>]: never };

/** The type of option K in O, or D when O does not have it. */
type Get<O, K extends PropertyKey, D> = K extends keyof O ? Exclude<O[K], undefined> : D;

/** The gradient type for `argnums` A of F: the argument's type with every leaf an Array. */
export type GradOf<F extends Fn, A> = A extends readonly number[]
  ? { -readonly [K in keyof A]: ArgAt<F, A[K]> }
  : ArgAt<F, A extends number ? A : 0>;
type ArgAt<F extends Fn, N> = N extends number ? (`${N}` extends `-${string}` ? any : Tangent<Parameters<F>[N]>) : any;

/** With `hasAux`, F returns `[output, aux]`. */
export type OutOf<F extends Fn> = ReturnType<F> extends readonly [infer V, any] ? V : unknown;
export type AuxOf<F extends Fn> = ReturnType<F> extends readonly [any, infer X] ? X : unknown;

/** Options of `jax.grad` and `jax.valueAndGrad`. @example jax.grad(loss, {argnums: [0, 1], hasAux: true}) */
export interface GradOptions {
  argnums?: Argnums;
  hasAux?: boolean;
  holomorphic?: boolean;
  allowInt?: boolean;
  /** Named (vmap) axes to sum the gradients over (JAX's pre-0.4.x `reduce_axes`). */
  reduceAxes?: AxisName[];
}
/** Options of `jax.jacfwd`, `jax.jacrev`, `jax.jacobian` and `jax.hessian`. @example jax.jacrev(f, {argnums: 1}) */
export type JacOptions = Omit<GradOptions, "reduceAxes">;

/** `grad(f, opts)`: the gradient function, with f's parameters. */
export type GradFn<F extends Fn, A, H> = H extends true
  ? (...args: Parameters<F>) => [GradOf<F, A>, AuxOf<F>]
  : (...args: Parameters<F>) => GradOf<F, A>;

/** `valueAndGrad(f, opts)`: `[value, gradient]`, or `[[value, aux], gradient]` with `hasAux`. */
export type ValueAndGradFn<F extends Fn, A, H> = H extends true
  ? (...args: Parameters<F>) => [[Lifted<OutOf<F>>, AuxOf<F>], GradOf<F, A>]
  : (...args: Parameters<F>) => [Lifted<ReturnType<F>>, GradOf<F, A>];

/** `argnums`, then `hasAux` and the rest, positionally in JAX's order. */
type PositionalGrad = [argnums: Argnums | undefined, hasAux?: boolean, holomorphic?: boolean, allowInt?: boolean, reduceAxes?: AxisName[]];

/** `jax.grad`'s overloads: options object, or `argnums` positionally then options. */
export interface Grad {
  <F extends AuxFn, const O extends GradOptions & { hasAux: true }>(fun: F, opts: Exact<O, GradOptions>): GradFn<F, Get<O, "argnums", 0>, true>;
  <F extends AuxFn, const A extends Argnums, const O extends Omit<GradOptions, "argnums"> & { hasAux: true }>(fun: F, argnums: A, opts: Exact<O, Omit<GradOptions, "argnums">>): GradFn<F, A, true>;
  <F extends Fn, const O extends GradOptions = {}>(fun: F, opts?: Exact<O, GradOptions>): GradFn<F, Get<O, "argnums", 0>, Get<O, "hasAux", false>>;
  <F extends Fn, const A extends Argnums, const O extends Omit<GradOptions, "argnums"> = {}>(fun: F, argnums: A, opts?: Exact<O, Omit<GradOptions, "argnums">>): GradFn<F, A, Get<O, "hasAux", false>>;
  <F extends Fn>(fun: F, ...positional: PositionalGrad): (...args: Parameters<F>) => any;
}
/** `jax.valueAndGrad`'s overloads: options object, or `argnums` positionally then options. @example const [loss, grads] = jax.valueAndGrad(f)(params, x) */
export interface ValueAndGrad {
  <F extends AuxFn, const O extends GradOptions & { hasAux: true }>(fun: F, opts: Exact<O, GradOptions>): ValueAndGradFn<F, Get<O, "argnums", 0>, true>;
  <F extends AuxFn, const A extends Argnums, const O extends Omit<GradOptions, "argnums"> & { hasAux: true }>(fun: F, argnums: A, opts: Exact<O, Omit<GradOptions, "argnums">>): ValueAndGradFn<F, A, true>;
  <F extends Fn, const O extends GradOptions = {}>(fun: F, opts?: Exact<O, GradOptions>): ValueAndGradFn<F, Get<O, "argnums", 0>, Get<O, "hasAux", false>>;
  <F extends Fn, const A extends Argnums, const O extends Omit<GradOptions, "argnums"> = {}>(fun: F, argnums: A, opts?: Exact<O, Omit<GradOptions, "argnums">>): ValueAndGradFn<F, A, Get<O, "hasAux", false>>;
  <F extends Fn>(fun: F, ...positional: PositionalGrad): (...args: Parameters<F>) => any;
}

/** Jacobians and Hessians keep f's parameters; their nesting (output structure outside input structure) is left `any`. */
export interface Jacobian {
  <F extends Fn>(fun: F, opts?: JacOptions): (...args: Parameters<F>) => any;
  <F extends Fn>(fun: F, argnums: Argnums | undefined, opts?: Omit<JacOptions, "argnums">): (...args: Parameters<F>) => any;
  <F extends Fn>(fun: F, argnums: Argnums | undefined, hasAux?: boolean, holomorphic?: boolean, allowInt?: boolean): (...args: Parameters<F>) => any;
}

/** A tangent (or cotangent) given for a value of type T: leaves may be Arrays or JS numbers; null for integer inputs. */
export type TangentIn<T> = LeafLike<T> | null;
/** One tangent per argument. */
export type TangentsIn<P extends readonly unknown[]> = { -readonly [K in keyof P]: TangentIn<P[K]> };
/** One gradient per argument (a JS array, as `vjpFun` returns). */
export type TangentsOut<P extends readonly unknown[]> = { -readonly [K in keyof P]: Tangent<P[K]> };

/** `jax.jvp(fun, primals, tangents, opts?)` -> `[primalsOut, tangentsOut]` (and aux with `hasAux`). */
export interface Jvp {
  <F extends AuxFn>(fun: F, primals: Parameters<F>, tangents: TangentsIn<Parameters<F>>, opts: { hasAux: true } | true): [Lifted<OutOf<F>>, Tangent<OutOf<F>>, AuxOf<F>];
  <F extends Fn>(fun: F, primals: Parameters<F>, tangents: TangentsIn<Parameters<F>>, opts?: { hasAux?: false } | false): [Lifted<ReturnType<F>>, Tangent<ReturnType<F>>];
}

/** `jax.vjp(fun, ...primals)` -> `[out, vjpFun]`; with options first, `vjp(fun, {hasAux: true}, ...primals)` -> `[out, vjpFun, aux]`. */
export interface Vjp {
  // (hasAux first: TypeScript types an annotated function argument once, by the first overload it tries.)
  <P extends unknown[], R, X>(fun: (...args: P) => readonly [R, X], opts: { hasAux: true }, ...primals: P): [Lifted<R>, (ct: LeafLike<R>) => TangentsOut<P>, X];
  <P extends unknown[], R>(fun: (...args: P) => R, ...primals: P): [Lifted<R>, (ct: LeafLike<R>) => TangentsOut<P>];
  <P extends unknown[], R>(fun: (...args: P) => R, opts: { hasAux?: false }, ...primals: P): [Lifted<R>, (ct: LeafLike<R>) => TangentsOut<P>];
}

/** `jax.linearize(fun, ...primals)` -> `[out, jvpFun]`. */
export type Linearize = <F extends Fn>(fun: F, ...primals: Parameters<F>) => [Lifted<ReturnType<F>>, (...tangents: TangentsIn<Parameters<F>>) => Tangent<ReturnType<F>>];

/** `jax.linearTranspose(linearFun, ...primals)` -> the transpose: cotangent in, one cotangent per primal out. */
export type LinearTranspose = <F extends Fn>(fun: F, ...primals: Parameters<F>) => (ct: LeafLike<ReturnType<F>>) => TangentsOut<Parameters<F>>;

/** Options of `jax.vmap`. @example jax.vmap(f, {inAxes: [null, 0], outAxes: 0, axisName: "batch"}) */
export interface VmapOptions {
  inAxes?: any;
  outAxes?: any;
  axisName?: AxisName | null;
  axisSize?: number | null;
  spmdAxisName?: AxisName | AxisName[] | null;
}
/** `inAxes`: an int, null, or a JS array with one entry (a pytree prefix) per argument. */
export type InAxes = number | null | readonly unknown[];

/** `jax.vmap`: the mapped function has f's type (arguments and results gain a batch axis). */
export interface Vmap {
  <F extends Fn>(fun: F, opts?: VmapOptions): F;
  <F extends Fn>(fun: F, inAxes: InAxes | undefined, opts?: Omit<VmapOptions, "inAxes">): F;
  <F extends Fn>(fun: F, inAxes: InAxes | undefined, outAxes: unknown, opts?: Omit<VmapOptions, "inAxes" | "outAxes">): F;
  <F extends Fn>(fun: F, inAxes: InAxes | undefined, outAxes: unknown, axisName: AxisName | null | undefined, axisSize?: number | null, spmdAxisName?: AxisName | AxisName[] | null): F;
}

export type { Leaf };
export type { Array };
