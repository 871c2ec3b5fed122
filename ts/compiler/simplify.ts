// Jaxpr-to-jaxpr passes before lowering: inline call primitives into one flat program, fold
// constants, merge common subexpressions, and drop dead equations.

import { Atom, ClosedJaxpr, Jaxpr, JaxprEqn, Literal, Var, dce, paramsKey } from "../core/jaxpr.js";
import { hostFromValues, hostValues } from "../core/host.js";
import { interpretEqn } from "../primitives/reference.js";

/** Call-like primitives whose body is inlined: params.jaxpr / call_jaxpr, no constants. */
const CALLS: Record<string, string> = { jit: "jaxpr", remat2: "jaxpr", custom_jvp_call: "call_jaxpr", custom_vjp_call: "call_jaxpr" };
/** Host callbacks run at run time, every time: never evaluated while compiling. */
const NO_FOLD = new Set(["pure_callback"]);
/** Identities for execution (they only matter to transformations). */
const IDENTITIES = new Set(["name", "stop_gradient"]);

/**
 * Inlines calls, identities and primitives that expand into others (shard_map), recursively.
 * Closed-over constants of a call stay calls.
 */
export function inlineCalls(jaxpr: Jaxpr): Jaxpr {
  const eqns: JaxprEqn[] = [];
  const rename = new Map<Var, Atom>();
  const sub = (a: Atom): Atom => (a instanceof Var ? rename.get(a) ?? a : a);
  const walk = (j: Jaxpr, args: Atom[]): Atom[] => {
    j.invars.forEach((v, i) => rename.set(v, args[i]));
    for (const e of j.eqns) {
      const ins = e.inputs.map(sub);
      const field = CALLS[e.primitive.name];
      const body = field ? (e.params[field] as ClosedJaxpr) : (e.primitive.rules.expand?.(e.params) ?? null);
      if (body && body.consts.length === 0 && body.jaxpr.constvars.length === 0) {
        walk(body.jaxpr, ins).forEach((o, i) => rename.set(e.outvars[i], o));
      } else if (IDENTITIES.has(e.primitive.name)) {
        rename.set(e.outvars[0], ins[0]);
      } else {
        eqns.push(ins.every((a, i) => a === e.inputs[i]) ? e : new JaxprEqn(e.primitive, ins, e.params, e.outvars, e.nameStack));
      }
    }
    return j.outvars.map(sub);
  };
  const outs = walk(jaxpr, jaxpr.invars);
  return new Jaxpr(jaxpr.constvars, jaxpr.invars, eqns, outs);
}

const FOLD_LIMIT = 64;

/** Evaluates equations whose inputs are all literals and whose outputs are scalars. */
export function foldConstants(jaxpr: Jaxpr): Jaxpr {
  const rename = new Map<Var, Atom>();
  const sub = (a: Atom): Atom => (a instanceof Var ? rename.get(a) ?? a : a);
  const eqns: JaxprEqn[] = [];
  for (const e of jaxpr.eqns) {
    const ins = e.inputs.map(sub);
    const foldable = ins.every((a) => a instanceof Literal) && e.outvars.every((v) => v.aval.ndim === 0 && v.aval.dtype !== "complex64") &&
      e.primitive.rules.cpu && !CALLS[e.primitive.name] && !NO_FOLD.has(e.primitive.name) && ins.length <= FOLD_LIMIT;
    if (foldable) {
      try {
        const outs = interpretEqn(e, (ins as Literal[]).map((l) => hostFromValues([], l.aval.dtype, [Number(l.val)])));
        outs.forEach((o, i) => {
          const v = hostValues(o)[0];
          rename.set(e.outvars[i], new Literal(e.outvars[i].aval.dtype === "bool" ? v !== 0 : v, e.outvars[i].aval));
        });
        continue;
      } catch {
        // Leave it for run time (e.g. a primitive that needs a context).
      }
    }
    eqns.push(ins.every((a, i) => a === e.inputs[i]) ? e : new JaxprEqn(e.primitive, ins, e.params, e.outvars, e.nameStack));
  }
  return new Jaxpr(jaxpr.constvars, jaxpr.invars, eqns, jaxpr.outvars.map(sub));
}

/** Merges equations that apply the same primitive with the same params to the same inputs. */
export function cse(jaxpr: Jaxpr): Jaxpr {
  const ids = new Map<Var, number>();
  let next = 0;
  const lit = (v: number | boolean) => (Object.is(v, -0) ? "-0" : String(v));
  const id = (a: Atom) => (a instanceof Literal ? `L${a.aval.key()}:${lit(a.val)}` : `v${ids.get(a) ?? (ids.set(a, next++), ids.get(a))}`);
  const rename = new Map<Var, Var>();
  const sub = (a: Atom): Atom => (a instanceof Var ? rename.get(a) ?? a : a);
  const seen = new Map<string, JaxprEqn>();
  const eqns: JaxprEqn[] = [];
  for (const e of jaxpr.eqns) {
    const ins = e.inputs.map(sub);
    const key = `${e.primitive.name}|${paramsKey(e.params)}|${ins.map(id).join(",")}`;
    const prev = seen.get(key);
    if (prev) {
      e.outvars.forEach((v, i) => rename.set(v, prev.outvars[i]));
      continue;
    }
    const eq = ins.every((a, i) => a === e.inputs[i]) ? e : new JaxprEqn(e.primitive, ins, e.params, e.outvars, e.nameStack);
    seen.set(key, eq);
    eqns.push(eq);
  }
  return new Jaxpr(jaxpr.constvars, jaxpr.invars, eqns, jaxpr.outvars.map(sub));
}

/** All passes, in order. */
export function simplify(jaxpr: Jaxpr): Jaxpr {
  return dce(cse(foldConstants(inlineCalls(jaxpr))));
}
