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
  // Transformation rules, filled in by the autodiff and vmap layers next to each primitive.
  jvp?(primals: Array[], tangents: (Array | null)[], params: P): [Array[], (Array | null)[]];
  transpose?(cts: (Array | null)[], args: (Array | UndefinedPrimal)[], params: P): (Array | null)[];
  batch?(args: Array[], dims: (number | null)[], params: P, axisData: unknown): [Array[], (number | null)[]];
  /** Params as `makeJaxpr` shows them (JAX hides some, e.g. shapes implied by the output type). */
  printParams?(params: P): Params;
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
