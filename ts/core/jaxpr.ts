// Jaxprs: typed SSA programs (vars, literals, equations with params, sub-jaxprs), a type
// checker, and a printer whose text matches JAX's `make_jaxpr`.

import type { Array } from "./array.js";
import { ShapedArray } from "./aval.js";
import { DType, castScalar, isFloat } from "./dtype.js";
import { Params, Primitive } from "./primitive.js";
import * as pp from "./pretty.js";

export class Var {
  constructor(readonly aval: ShapedArray) {}
}

/** A scalar constant written inline in a jaxpr (`2.0:f32[]`). */
export class Literal {
  constructor(
    readonly val: number | boolean,
    readonly aval: ShapedArray,
  ) {}
}

export type Atom = Var | Literal;

/**
 * An entry of a name stack: a scope name (`namedScope`), or a transformation that wraps the
 * scope after it (JAX's `Transform`: [jvp, "outer", "inner"] reads "jvp(outer)/inner").
 */
export type NameStackEntry = string | { readonly transform: string };

/** JAX's rendering of a name stack (`NameStack.__str__`). */
export function nameStackString(stack: readonly NameStackEntry[]): string {
  const scope: string[] = [];
  for (let i = stack.length - 1; i >= 0; i--) {
    const e = stack[i];
    if (typeof e === "string") scope.push(e);
    else if (scope.length) scope[scope.length - 1] = `${e.transform}(${scope[scope.length - 1]})`;
    else scope.push(`${e.transform}()`);
  }
  return scope.reverse().join("/");
}

export class JaxprEqn {
  constructor(
    readonly primitive: Primitive,
    readonly inputs: Atom[],
    readonly params: Params,
    readonly outvars: Var[],
    /** Scopes active when the equation was traced, outermost first, relative to its jaxpr. */
    readonly nameStack: readonly NameStackEntry[] = [],
  ) {}
}

/**
 * A traced program (JAX's typed SSA form): constvars, invars, equations, outvars. Its `String()`
 * is JAX's text form.
 * @example String(jax.makeJaxpr((x) => np.sin(x).mul(2))(np.ones([3])).jaxpr)
 */
export class Jaxpr {
  constructor(
    readonly constvars: Var[],
    readonly invars: Var[],
    readonly eqns: JaxprEqn[],
    readonly outvars: Atom[],
  ) {}

  /** The avals of the inputs (after the constvars). @example jaxpr.inAvals.map(String) */
  get inAvals(): ShapedArray[] {
    return this.invars.map((v) => v.aval);
  }
  /** The avals of the outputs. @example jaxpr.outAvals.map(String) */
  get outAvals(): ShapedArray[] {
    return this.outvars.map((v) => v.aval);
  }

  /** JAX's text form. @example String(jaxpr) */
  toString(): string {
    return printJaxpr(this);
  }
}

/** `jaxpr` without the equations none of its outputs depend on (every primitive is pure). */
export function dce(jaxpr: Jaxpr): Jaxpr {
  const live = new Set<Var>(jaxpr.outvars.filter((a): a is Var => a instanceof Var));
  const kept: JaxprEqn[] = [];
  for (let i = jaxpr.eqns.length - 1; i >= 0; i--) {
    const e = jaxpr.eqns[i];
    if (!e.outvars.some((v) => live.has(v))) continue;
    kept.push(e);
    for (const a of e.inputs) if (a instanceof Var) live.add(a);
  }
  return kept.length === jaxpr.eqns.length ? jaxpr : new Jaxpr(jaxpr.constvars, jaxpr.invars, kept.reverse(), jaxpr.outvars);
}

/**
 * A jaxpr with values for its constvars, as `jax.makeJaxpr` returns it.
 * @example console.log(String(jax.makeJaxpr((x) => x.add(1))(np.ones([2]))))
 * // { lambda ; a:f32[2]. let b:f32[2] = add a 1.0:f32[] in (b,) }
 */
export class ClosedJaxpr {
  constructor(
    readonly jaxpr: Jaxpr,
    readonly consts: Array[],
  ) {
    if (consts.length !== jaxpr.constvars.length) throw new Error("ClosedJaxpr: consts do not match constvars");
  }
  /** The avals of the inputs. @example jax.makeJaxpr(f)(x).inAvals.map(String) */
  get inAvals(): ShapedArray[] {
    return this.jaxpr.inAvals;
  }
  /** The avals of the outputs. @example jax.makeJaxpr(f)(x).outAvals.map(String) */
  get outAvals(): ShapedArray[] {
    return this.jaxpr.outAvals;
  }
  /** JAX's text form (`print(jax.make_jaxpr(f)(x))`). @example console.log(String(jax.makeJaxpr(f)(x))) */
  toString(): string {
    return printJaxpr(this.jaxpr);
  }
  /** JAX's text form; `nameStack: true` annotates equations with their scope names. */
  prettyPrint(opts: { nameStack?: boolean; width?: number } = {}): string {
    return printJaxpr(this.jaxpr, opts);
  }
}

// ---- cache keys ----

const objectIds = new WeakMap<object, number>();
let nextObjectId = 0;

export function objectId(o: object): number {
  let id = objectIds.get(o);
  if (id === undefined) objectIds.set(o, (id = nextObjectId++));
  return id;
}

function isEmpty(o: object): boolean {
  for (const _ in o) return false;
  return true;
}

/** A string that identifies params for caching (sub-jaxprs and functions by identity). */
export function paramsKey(v: unknown): string {
  if (v === null || v === undefined) return String(v);
  if (typeof v === "number" || typeof v === "boolean" || typeof v === "string") return JSON.stringify(v);
  if (typeof v === "function" || v instanceof Jaxpr || v instanceof ClosedJaxpr) return `#${objectId(v as object)}`;
  if (globalThis.Array.isArray(v)) return `[${v.map(paramsKey).join(",")}]`;
  if (v instanceof ShapedArray) return v.key();
  if (typeof v === "object") {
    if (Object.getPrototypeOf(v) !== Object.prototype) return `#${objectId(v)}`;
    if (isEmpty(v)) return "{}"; // most eager ops: no key list to build
    return `{${Object.keys(v).sort().map((k) => `${k}:${paramsKey((v as any)[k])}`).join(",")}}`;
  }
  return String(v);
}

// ---- type checking ----

/** Checks that every equation's output types follow from its inputs; throws naming the equation. */
export function typecheckJaxpr(jaxpr: Jaxpr): void {
  const env = new Set<Var>([...jaxpr.constvars, ...jaxpr.invars]);
  const read = (a: Atom, where: string): ShapedArray => {
    if (a instanceof Var && !env.has(a)) throw new TypeError(`jaxpr type error: ${where} reads an undefined variable`);
    return a.aval;
  };
  jaxpr.eqns.forEach((eqn, i) => {
    const where = `equation ${i} (${eqn.primitive.name})`;
    const inAvals = eqn.inputs.map((a) => read(a, where));
    const outAvals = eqn.primitive.rules.abstractEval(inAvals, eqn.params);
    if (outAvals.length !== eqn.outvars.length || outAvals.some((a, j) => !a.sameType(eqn.outvars[j].aval))) {
      throw new TypeError(
        `jaxpr type error: ${where} produces ${outAvals.map((a) => a.str()).join(", ")} but binds ${eqn.outvars.map((v) => v.aval.str()).join(", ")}`,
      );
    }
    for (const v of eqn.outvars) {
      if (env.has(v)) throw new TypeError(`jaxpr type error: ${where} rebinds a variable`);
      env.add(v);
    }
  });
  jaxpr.outvars.forEach((a) => read(a, "the output"));
}

// ---- printing, JAX style ----

/** Names variables a, b, ..., z, ba, bb, ... in order of first appearance. */
export class PrintContext {
  private names = new Map<Var, string>();
  private count = 0;
  name(v: Var): string {
    let n = this.names.get(v);
    if (n === undefined) this.names.set(v, (n = alphabetic(this.count++)));
    return n;
  }
  /** Lets a sub-jaxpr's binders reuse the names of the outer atoms bound to them (JAX's jit printing). */
  suggest(forVars: readonly Atom[], likeVars: readonly Atom[]): void {
    if (forVars.length !== likeVars.length) return;
    const used = new Set<Var>();
    forVars.forEach((f, i) => {
      const like = likeVars[i];
      if (like instanceof Var && !used.has(like) && f instanceof Var && !this.names.has(f) && this.names.has(like)) {
        this.names.set(f, this.names.get(like)!);
        used.add(like);
      }
    });
  }
}

/** JAX's names: a positional base-26 numeral with a = 0 (0 -> a, 25 -> z, 26 -> ba). */
function alphabetic(i: number): string {
  let s = "";
  do {
    s = String.fromCharCode(97 + (i % 26)) + s;
    i = Math.floor(i / 26);
  } while (i > 0);
  return s;
}

export interface PrintSettings {
  nameStack?: boolean;
  width?: number;
}

export function printJaxpr(jaxpr: Jaxpr, settings: PrintSettings = {}): string {
  return pp.format(ppJaxpr(jaxpr, new PrintContext(), settings), settings.width ?? 80);
}

function ppAtom(a: Atom, ctx: PrintContext): string {
  if (a instanceof Literal) return `${formatScalar(a.val, a.aval.dtype)}:${a.aval.str()}`;
  return ctx.name(a);
}

function ppVars(vs: readonly Atom[], ctx: PrintContext, opts: { sep?: string; types?: boolean; used?: Set<Var> } = {}): pp.Doc {
  // Outputs nothing reads print as `_` and take no name, as in JAX.
  const name = (v: Atom) => (opts.used && v instanceof Var && !opts.used.has(v) ? "_" : ppAtom(v, ctx));
  const docs = vs.map((v) => pp.text(name(v) + (opts.types && v instanceof Var ? `:${v.aval.str()}` : "")));
  return pp.nest(2, pp.group(pp.join(pp.concat(pp.text(opts.sep ?? ""), pp.group(pp.brk())), docs)));
}

export function ppJaxpr(jaxpr: Jaxpr, ctx: PrintContext, settings: PrintSettings): pp.Doc {
  const constvars = ppVars(jaxpr.constvars, ctx, { types: true });
  const invars = ppVars(jaxpr.invars, ctx, { types: true });
  const used = new Set<Var>();
  for (const e of jaxpr.eqns) for (const a of e.inputs) if (a instanceof Var) used.add(a);
  for (const a of jaxpr.outvars) if (a instanceof Var) used.add(a);
  const eqns = pp.join(pp.brk("; "), jaxpr.eqns.map((e) => ppEqn(e, ctx, settings, used)));
  const outvars = pp.concat(pp.text("("), ppVars(jaxpr.outvars, ctx, { sep: "," }), pp.text(jaxpr.outvars.length === 1 ? ",)" : ")"));
  // The closing " }" sits inside the group, as in JAX's pp_jaxpr_skeleton (it counts toward the width).
  return pp.group(pp.concat(
    pp.nest(2, pp.concat(
      pp.text("{ lambda "), constvars, pp.text("; "), invars, pp.text(". let"),
      pp.nest(2, pp.concat(pp.brk(), eqns)), pp.brk(), pp.text("in "), outvars,
    )),
    pp.text(" }"),
  ));
}

function ppEqn(eqn: JaxprEqn, ctx: PrintContext, settings: PrintSettings, used: Set<Var>): pp.Doc {
  const lhs = ppVars(eqn.outvars, ctx, { types: true, used });
  const params = eqn.primitive.rules.printParams ? eqn.primitive.rules.printParams(eqn.params) : eqn.params;
  // Only jit's body reuses the caller's names in JAX's printer.
  if (eqn.primitive.name === "jit" && (params.jaxpr instanceof Jaxpr || params.jaxpr instanceof ClosedJaxpr)) {
    const inner = params.jaxpr instanceof ClosedJaxpr ? params.jaxpr.jaxpr : params.jaxpr;
    ctx.suggest(inner.invars, eqn.inputs);
    ctx.suggest(inner.outvars, eqn.outvars);
  }
  // `name` leads, the rest sorted, as JAX prints call-like equations.
  const keys = Object.keys(params).filter((k) => params[k] !== undefined).sort();
  const ordered = keys.includes("name") ? ["name", ...keys.filter((k) => k !== "name")] : keys;
  const kv = ordered.length
    ? pp.group(pp.concat(
        pp.nest(2, pp.concat(pp.text("["), pp.brk(""), pp.join(pp.brk(), ordered.map((k) => pp.concat(pp.text(`${k}=`), ppParam(params[k], ctx, settings)))))),
        pp.brk(""), pp.text("]"),
      ))
    : pp.nil;
  const head = settings.nameStack ? pp.annotated(eqn.primitive.name, `[${nameStackString(eqn.nameStack)}]`) : pp.text(eqn.primitive.name);
  const rhs = pp.concat(head, kv, pp.text(" "), ppVars(eqn.inputs, ctx));
  return eqn.outvars.length ? pp.concat(lhs, pp.text(" = "), rhs) : rhs;
}

function ppParam(v: unknown, ctx: PrintContext, settings: PrintSettings): pp.Doc {
  if (v instanceof Jaxpr) return ppJaxpr(v, ctx, settings);
  if (v instanceof ClosedJaxpr) return ppJaxpr(v.jaxpr, ctx, settings);
  if (globalThis.Array.isArray(v) && v.length && v.every((j) => j instanceof Jaxpr || j instanceof ClosedJaxpr)) {
    return pp.concat(
      pp.text("("),
      pp.nest(2, pp.concat(...v.map((j) => pp.concat(pp.brk(""), ppParam(j, ctx, settings))))),
      pp.brk(""), pp.text(")"),
    );
  }
  return pp.text(pyStr(v));
}

/** Python's str() of a param value: tuples for JS arrays, None, True/False. */
export function pyStr(v: unknown): string {
  if (v === null || v === undefined) return "None";
  if (typeof v === "boolean") return v ? "True" : "False";
  if (typeof v === "number") return Number.isInteger(v) ? String(v) : formatScalar(v, "float64");
  if (globalThis.Array.isArray(v)) return `(${v.map(pyStr).join(", ")}${v.length === 1 ? "," : ""})`;
  if (typeof v === "function") return v.name || "<lambda>";
  return String(v);
}

/** A scalar as NumPy prints it: shortest round-trip digits for the dtype, Python's layout. */
export function formatScalar(x: number | boolean, dtype: DType): string {
  if (typeof x === "boolean" || dtype === "bool") return x ? "True" : "False";
  if (!isFloat(dtype) && dtype !== "complex64") return String(x);
  if (Number.isNaN(x)) return "nan";
  if (!Number.isFinite(x)) return x > 0 ? "inf" : "-inf";
  // Shortest digits that round-trip in the literal's dtype (a raw JS number may not be representable).
  const target = castScalar(x, dtype);
  x = target;
  let digits = "";
  let exp = 0;
  for (let p = 1; p <= 17; p++) {
    const s = x.toExponential(p - 1);
    const back = Number(s);
    if (castScalar(back, dtype) === target) {
      const [m, e] = s.split("e");
      digits = m.replace("-", "").replace(".", "");
      exp = Number(e);
      break;
    }
  }
  digits = digits.replace(/0+$/, "") || "0";
  const sign = x < 0 || Object.is(x, -0) ? "-" : "";
  if (exp >= -4 && exp < 16) {
    if (exp < 0) return `${sign}0.${"0".repeat(-exp - 1)}${digits}`;
    const intPart = digits.slice(0, exp + 1).padEnd(exp + 1, "0");
    const frac = digits.slice(exp + 1);
    return `${sign}${intPart}.${frac || "0"}`;
  }
  const mant = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
  return `${sign}${mant}e${exp < 0 ? "-" : "+"}${String(Math.abs(exp)).padStart(2, "0")}`;
}
