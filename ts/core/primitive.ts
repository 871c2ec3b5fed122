// A primitive is declared once with all its rules; transformations look the rules up here.

import type { ShapedArray } from "./aval.js";
import type { HostArray } from "./host.js";
import type { Array } from "./array.js";
import type { ClosedJaxpr } from "./jaxpr.js";

export type Params = Record<string, any>;

/** What the cpu reference interpreter hands to higher-order primitives' kernels. */
export interface CpuContext {
  evalJaxpr(jaxpr: ClosedJaxpr, args: HostArray[]): HostArray[];
}

export interface PrimitiveRules<P extends Params = Params> {
  /** Output avals from input avals; throws ValueError/TypeError naming shapes and dtypes. */
  abstractEval(avals: ShapedArray[], params: P): ShapedArray[];
  /** Reference implementation on host arrays (the cpu backend and the test oracle). */
  cpu?(inputs: HostArray[], params: P, ctx: CpuContext): HostArray[];
  /** Eager evaluation that is not "run a one-equation program" (e.g. host callbacks). */
  impl?(args: Array[], params: P): Array[];
  /**
   * Forward mode: outputs and their tangents. A null tangent is a symbolic zero (integer and
   * bool values always have one); the rule runs only when some input tangent is non-null.
   */
  jvp?(primals: Array[], tangents: (Array | null)[], params: P): [Array[], (Array | null)[]];
  /**
   * Reverse mode for primitives linear in some inputs: `args` holds UndefinedPrimal for the
   * linear inputs; returns a cotangent per input (null: zero, or not a linear input).
   * `cts` has one (instantiated) cotangent per output.
   */
  transpose?(cts: Array[], args: (Array | UndefinedPrimal)[], params: P): (Array | null)[];
  /**
   * vmap: `dims[i]` is the mapped axis of `args[i]` (null: not mapped; at least one is
   * mapped); returns the outputs and their mapped axes (null: the output does not vary).
   */
  batch?(args: Array[], dims: (number | null)[], params: P, axis: AxisData): [Array[], (number | null)[]];
  /**
   * Linearization of primitives that carry a jaxpr (jit, checkpoint): the default runs `jvp`
   * with the tangents staged, which would stage the primal half of such a primitive too.
   */
  linearize?(primals: Array[], tangents: (Array | null)[], params: P): [Array[], (Array | null)[]];
  /**
   * The same computation as a jaxpr of other primitives (no constants), for backends that do not
   * run this primitive themselves: a shard_map becomes a vmap over its devices' shards.
   */
  expand?(params: P): ClosedJaxpr;
  /** Params as `makeJaxpr` shows them (JAX hides some, e.g. shapes implied by the output type). */
  printParams?(params: P): Params;
}

/** A name collectives can refer to (`vmap(f, {axisName})`). */
export type AxisName = string | symbol | number;

/** The axis a vmap maps over: its size and, when named, its name. */
export interface AxisData {
  size: number;
  name: AxisName | null;
  spmdName: AxisName | AxisName[] | null;
  /** A mesh axis of a shardMap run as vmap on one thread: each member stands for a device. */
  devices?: boolean;
}

/** Marks a linear input whose value is unknown during transposition. */
export class UndefinedPrimal {
  constructor(readonly aval: ShapedArray) {}
}

export class Primitive<P extends Params = Params> {
  constructor(
    readonly name: string,
    readonly rules: PrimitiveRules<P>,
    readonly multipleResults = false,
  ) {
    registry.set(name, this as unknown as Primitive);
  }

  toString(): string {
    return this.name;
  }
}

const registry = new Map<string, Primitive>();

/** Every declared primitive, for checklist tests that walk the rules. */
export function allPrimitives(): Primitive[] {
  return [...registry.values()];
}
