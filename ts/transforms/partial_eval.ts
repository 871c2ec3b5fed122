// Partial evaluation of a jaxpr: given which inputs are known, split it into a known jaxpr
// (run now, also returning residuals) and an unknown one (run later, from the residuals and the
// unknown inputs). Linearizing call primitives and checkpoint policies rest on it.

import { Atom, ClosedJaxpr, Jaxpr, JaxprEqn, Var } from "../core/jaxpr.js";

export interface PartialEvalResult {
  /** known inputs -> [outputs that are known, ...residuals] */
  known: Jaxpr;
  /** [...residuals, unknown inputs] -> outputs that are unknown (or instantiated) */
  unknown: Jaxpr;
  outUnknowns: boolean[];
  numResiduals: number;
}

/** What an equation with some unknown inputs splits into (call primitives' `partialEval`). */
export interface EqnSplit {
  known: JaxprEqn | null;
  unknown: JaxprEqn | null;
  /** Per output of the original equation: produced by the unknown equation. */
  outUnknowns: boolean[];
}

export type EqnPartialEval = (eqn: JaxprEqn, unknowns: boolean[]) => EqnSplit;

/** Which equations' outputs may be saved as residuals (all, when not given). */
export type Saveable = (eqn: JaxprEqn) => boolean;

const callRules = new Map<string, EqnPartialEval>();

/** Registers how equations of a call primitive split (jit, checkpoint). */
export function registerPartialEval(name: string, rule: EqnPartialEval): void {
  callRules.set(name, rule);
}

/**
 * Splits `jaxpr` (no constvars) by which inputs are `unknowns`. Outputs marked in
 * `instantiate` become outputs of the unknown jaxpr even when known. Known values the unknown
 * side needs become residuals, unless `saveable` says their equation must be recomputed
 * there instead (checkpoint policies).
 */
export function partialEvalJaxpr(jaxpr: Jaxpr, unknowns: boolean[], instantiate: boolean | boolean[], saveable?: Saveable): PartialEvalResult {
  const unknown = new Set<Var>(jaxpr.invars.filter((_, i) => unknowns[i]));
  const isUnknown = (a: Atom) => a instanceof Var && unknown.has(a);
  const knownEqns: JaxprEqn[] = [];
  const unknownEqns: JaxprEqn[] = [];
  const producer = new Map<Var, JaxprEqn>();
  for (const eqn of jaxpr.eqns) {
    const ins = eqn.inputs.map(isUnknown);
    if (!ins.some(Boolean)) {
      knownEqns.push(eqn);
      eqn.outvars.forEach((v) => producer.set(v, eqn));
      continue;
    }
    const rule = callRules.get(eqn.primitive.name);
    if (!rule) {
      unknownEqns.push(eqn);
      eqn.outvars.forEach((v) => unknown.add(v));
      continue;
    }
    const split = rule(eqn, ins);
    if (split.known) {
      knownEqns.push(split.known);
      split.known.outvars.forEach((v) => producer.set(v, split.known!));
    }
    if (split.unknown) unknownEqns.push(split.unknown);
    eqn.outvars.forEach((v, i) => split.outUnknowns[i] && unknown.add(v));
  }

  const inst = jaxpr.outvars.map((_, i) => (typeof instantiate === "boolean" ? instantiate : instantiate[i]));
  const outUnknowns = jaxpr.outvars.map((a, i) => isUnknown(a) || inst[i]);

  // Known values the unknown side reads: residuals, or (not saveable) recomputed there.
  const residuals: Var[] = [];
  const recompute = new Set<JaxprEqn>();
  const seen = new Set<Var>();
  const need = (a: Atom) => {
    if (!(a instanceof Var) || unknown.has(a) || seen.has(a)) return;
    seen.add(a);
    const eqn = producer.get(a);
    if (eqn && saveable && !saveable(eqn)) {
      recompute.add(eqn);
      eqn.inputs.forEach(need);
    } else residuals.push(a);
  };
  unknownEqns.forEach((e) => e.inputs.forEach(need));
  jaxpr.outvars.forEach((a, i) => outUnknowns[i] && need(a));

  const known = new Jaxpr(
    [],
    jaxpr.invars.filter((_, i) => !unknowns[i]),
    knownEqns,
    [...jaxpr.outvars.filter((_, i) => !outUnknowns[i]), ...residuals],
  );
  const unknownJaxpr = new Jaxpr(
    [],
    [...residuals, ...jaxpr.invars.filter((_, i) => unknowns[i])],
    [...knownEqns.filter((e) => recompute.has(e)), ...unknownEqns],
    jaxpr.outvars.filter((_, i) => outUnknowns[i]),
  );
  return { known, unknown: unknownJaxpr, outUnknowns, numResiduals: residuals.length };
}

/**
 * The split of a call-like equation (params.jaxpr a ClosedJaxpr without consts): the known
 * half returns its residuals as extra outputs, which the unknown half takes first.
 */
export function splitCall(eqn: JaxprEqn, unknowns: boolean[], saveable?: Saveable): EqnSplit {
  const closed = eqn.params.jaxpr as ClosedJaxpr;
  const pe = partialEvalJaxpr(closed.jaxpr, unknowns, false, saveable);
  const nKnownOut = pe.known.outvars.length - pe.numResiduals;
  const resVars = pe.known.outvars.slice(nKnownOut).map((a) => new Var(a.aval));
  const withJaxpr = (j: Jaxpr, nIn: number) => ({
    ...eqn.params,
    jaxpr: new ClosedJaxpr(j, []),
    ...("donated_invars" in eqn.params ? { donated_invars: new globalThis.Array(nIn).fill(false) } : {}),
  });
  const known = new JaxprEqn(
    eqn.primitive,
    eqn.inputs.filter((_, i) => !unknowns[i]),
    withJaxpr(pe.known, pe.known.invars.length),
    [...eqn.outvars.filter((_, i) => !pe.outUnknowns[i]), ...resVars],
    eqn.nameStack,
  );
  const unknown = new JaxprEqn(
    eqn.primitive,
    [...resVars, ...eqn.inputs.filter((_, i) => unknowns[i])],
    withJaxpr(pe.unknown, pe.unknown.invars.length),
    eqn.outvars.filter((_, i) => pe.outUnknowns[i]),
    eqn.nameStack,
  );
  return { known, unknown, outUnknowns: pe.outUnknowns };
}
