// How each public function is called: positional parameters in JAX's order, then one trailing
// options object. Every export declares its signature here, so a misspelt option, a surplus
// argument or a shape given as several numbers is a TypeError naming what is accepted (Python's
// "unexpected keyword argument"), never silently ignored.

/** What a positional parameter must be; checked before the implementation runs. */
export type ParamKind = "any" | "axis" | "int" | "dtype" | "shape" | "fn";

export interface Param {
  readonly name: string;
  readonly optional: boolean;
  readonly kind: ParamKind;
  /** Also a key of the options object: given positionally, it is moved there for the implementation. */
  readonly isOption: boolean;
}

export interface Signature {
  /** The name users write: "np.sum", "x.sum", "jax.grad". */
  readonly name: string;
  /** Positional parameters in JAX's order (a leading "self" is the array of a method). */
  readonly params: readonly Param[];
  /** A variadic parameter: arrays (`np.einsum`), or pytree data (`lax.cond`'s operands) that may be plain objects. */
  readonly rest: { readonly name: string; readonly data: boolean } | null;
  /** Keys of the trailing options object (empty: it takes none). */
  readonly options: readonly string[];
  /** How many leading parameters are required. */
  readonly required: number;
}

import { freeingIntermediates } from "./array.js";

const signatures = new WeakMap<Function, Signature>();
const impls = new WeakMap<Function, Function>();

/** The declared signature of a public function (undefined for anything else). */
export function signatureOf(fn: unknown): Signature | undefined {
  return typeof fn === "function" ? signatures.get(fn) : undefined;
}

/**
 * Parses `"a, axis?:axis, ...operands:data"` (name, `?` if optional, `:kind`; `...` marks the
 * variadic one, `:data` when its values are pytrees) and the option keys `"axis keepdims"`.
 */
export function parseSignature(name: string, params: string, options: string): Signature {
  const opts = options.split(/[\s,]+/).filter(Boolean);
  let rest: Signature["rest"] = null;
  const ps: Param[] = [];
  for (const p of params.split(",").map((s) => s.trim()).filter(Boolean)) {
    const [head, kind = "any"] = p.split(":");
    if (head.startsWith("...")) {
      rest = { name: head.slice(3), data: kind === "data" };
      continue;
    }
    const optional = head.endsWith("?");
    const n = optional ? head.slice(0, -1) : head;
    ps.push({ name: n, optional, kind: kind as ParamKind, isOption: opts.includes(n) });
  }
  // The implementation gets plain positionals first, then the options object.
  const firstOption = ps.findIndex((p) => p.isOption);
  if (firstOption >= 0 && ps.slice(firstOption).some((p) => !p.isOption)) throw new Error(`signature of ${name}: option parameters must come last`);
  let required = 0;
  while (required < ps.length && !ps[required].optional) required++;
  return { name, params: ps, rest, options: opts, required };
}

/**
 * Wraps `impl` so that calls are checked against the signature and reach it in one form: the
 * positional parameters that are not options, any variadic ones, then (when the function takes
 * options) one options object holding the options given either way.
 * @example export const ravel = declare("np.ravel", "a", "", (a: ArrayLike) => reshape(a, [-1]));
 */
export function declare<F extends Function>(name: string, params: string, options: string, impl: F): F {
  return declareAs<F>(name, params, options, impl);
}

/** `declare` for a function whose public type (overloads, `x.sum(0)`) differs from its implementation's. */
export function declareAs<F extends Function>(name: string, params: string, options: string, impl: Function): F {
  const wrapped = wrap(parseSignature(name, params, options), impl);
  Object.defineProperty(wrapped, "name", { value: name.slice(name.lastIndexOf(".") + 1) });
  return wrapped as unknown as F;
}

// Library functions made of several primitives (np.mean is a sum and a division): called eagerly,
// the arrays they make and do not return are freed when they return, as Python's reference
// counts would free them in JAX; otherwise only the garbage collector could. Not while a
// transformation traces (it may keep them), and never for functions that call user code.
const LIBRARY = /^(np|lax|random|nn|x)\./;

function wrap(sig: Signature, impl: Function): Function {
  const most = sig.params.length, least = sig.required;
  const scoped = LIBRARY.test(sig.name) && !sig.rest?.data && sig.params.every((p) => p.kind !== "fn");
  const body = scoped ? freeingIntermediates(impl as (...a: unknown[]) => unknown) : impl;
  const call = (self: unknown, args: unknown[]) => body.apply(self, args);
  // Eager ops pass through here on every call: a function of plain positionals skips the parse.
  const plain = !sig.options.length && !sig.rest && sig.params.every((p) => p.kind === "any");
  const wrapped = plain
    ? function (this: unknown, ...args: unknown[]) {
        const n = args.length;
        if (n <= most && n >= least && !(n > least && isPlainObject(args[n - 1]))) return call(this, args);
        return call(this, normalizeArgs(sig, args));
      }
    : function (this: unknown, ...args: unknown[]) {
        return call(this, normalizeArgs(sig, args));
      };
  signatures.set(wrapped, sig);
  impls.set(wrapped, impl);
  return wrapped;
}

/** The implementation behind a declared function (for callers whose arguments are already checked, e.g. `x.add(y)`). */
export function implOf<F extends Function>(fn: F): F {
  return (impls.get(fn) as F | undefined) ?? fn;
}

/** Records the signature of a function that checks its own arguments (e.g. `jax.init`). */
export function describeSignature<F extends Function>(fn: F, name: string, params: string, options: string): F {
  signatures.set(fn, parseSignature(name, params, options));
  return fn;
}

/** The same function as an Array method: `x.sum(...)` checks as `np.sum(x, ...)` and says "x.sum". */
export function asMethod<F extends Function>(fn: Function, name: string): F {
  const sig = signatures.get(fn), impl = impls.get(fn);
  if (!sig || !impl) throw new Error(`asMethod: ${fn.name} has no declared signature`);
  const params = [{ ...sig.params[0], name: "self" }, ...sig.params.slice(1)];
  return wrap({ ...sig, name, params }, impl) as unknown as F;
}

export function isPlainObject(x: unknown): x is Record<string, unknown> {
  if (x === null || typeof x !== "object") return false;
  const p = Object.getPrototypeOf(x);
  return p === Object.prototype || p === null;
}

/** The call as the implementation takes it; throws a TypeError for anything not accepted. */
export function normalizeArgs(sig: Signature, args: unknown[]): unknown[] {
  let n = args.length;
  while (n > 0 && args[n - 1] === undefined) n--;
  const { params, options, rest } = sig;
  let opts: Record<string, unknown> | undefined;
  const last = args[n - 1];
  if (n > sig.required && isPlainObject(last)) {
    if (rest?.data) {
      // Trailing data may be a plain object (a dict pytree): it is options only if every key is one.
      const keys = Object.keys(last);
      if (options.length && keys.length && keys.every((k) => options.includes(k))) (opts = last), n--;
    } else {
      if (!options.length) throw new TypeError(`${sig.name}() takes no options object; it is called as ${usage(sig)}.`);
      checkKeys(sig, last);
      opts = last;
      n--;
    }
  }
  const self = params[0]?.name === "self" ? 1 : 0;
  if (!rest && n > params.length) {
    const most = params.length - self, least = sig.required - self;
    const takes = most === least ? `${most}` : `from ${least} to ${most}`;
    const last = params[params.length - 1];
    const hint = last?.kind === "shape" && args.slice(params.length - 1, n).every((a) => typeof a === "number")
      ? ` A shape is one argument, a JS array: [${args.slice(params.length - 1, n).join(", ")}].`
      : "";
    throw new TypeError(`${sig.name}() takes ${takes} positional argument${takes === "1" ? "" : "s"} but ${n - self} were given; it is called as ${usage(sig)}.${hint}`);
  }
  const required = sig.required;
  if (n < required) {
    const missing = params.slice(n, required).map((p) => `'${p.name}'`);
    throw new TypeError(`${sig.name}() missing ${missing.length} required positional argument${missing.length === 1 ? "" : "s"}: ${missing.join(" and ")}; it is called as ${usage(sig)}.`);
  }
  const out: unknown[] = [];
  let merged: Record<string, unknown> | undefined;
  for (let i = 0; i < params.length; i++) {
    const p = params[i];
    const v = i < n ? args[i] : undefined;
    if (v !== undefined && p.kind !== "any") checkKind(sig, p, v, args);
    if (!p.isOption) out.push(v);
    else if (v !== undefined) {
      if (opts && opts[p.name] !== undefined) throw new TypeError(`${sig.name}() got multiple values for argument '${p.name}'.`);
      (merged ??= { ...opts })[p.name] = v;
    }
  }
  if (rest) for (let i = params.length; i < n; i++) out.push(args[i]);
  if (options.length) out.push(merged ?? opts ?? {});
  return out;
}


function checkKeys(sig: Signature, opts: Record<string, unknown>): void {
  for (const k in opts) {
    if (sig.options.includes(k)) continue;
    const near = sig.options.find((o) => similar(o, k));
    throw new TypeError(
      `${sig.name}() got an unexpected keyword argument '${k}'${near ? ` (did you mean '${near}'?)` : ""}; ` +
        `accepted options: ${sig.options.join(", ")}.`,
    );
  }
}

/** Same letters up to case and underscores (keep_dims, keepDims), or one edit apart (axes). */
function similar(a: string, b: string): boolean {
  const norm = (s: string) => s.toLowerCase().replace(/_/g, "");
  if (norm(a) === norm(b)) return true;
  if (Math.abs(a.length - b.length) > 1) return false;
  let i = 0;
  while (i < a.length && a[i] === b[i]) i++;
  return a.slice(i + 1) === b.slice(i + 1) || a.slice(i + 1) === b.slice(i) || a.slice(i) === b.slice(i + 1);
}

const isInt = (v: unknown) => typeof v === "number" && Number.isInteger(v);

function checkKind(sig: Signature, p: Param, v: unknown, args: unknown[]): void {
  const bad = (what: string) => new TypeError(`${sig.name}(): '${p.name}' must be ${what}; got ${show(v)}.`);
  switch (p.kind) {
    case "axis":
      if (v === null || isInt(v) || (globalThis.Array.isArray(v) && v.every(isInt))) return;
      throw bad("an int, a JS array of ints, or null");
    case "int":
      if (v === null || isInt(v)) return;
      throw bad("an int");
    case "shape":
      if (isInt(v) || (globalThis.Array.isArray(v) && v.every(isInt))) return;
      throw bad("a shape: an int or a JS array of ints");
    case "fn":
      if (typeof v === "function") return;
      throw bad("a function");
    case "dtype":
      if (v === null || typeof v === "string") return;
      if (typeof v === "number" && sig.params[0]?.kind === "shape") {
        const call = `${sig.name}(${args.slice(0, 2).map(show).join(", ")})`;
        const meant = `${sig.name}([${args.slice(0, 2).map(show).join(", ")}])`;
        throw new TypeError(
          `Cannot interpret '${v}' as a data type.\n\nDid you accidentally write \`${call}\` when you meant \`${meant}\`, ` +
            "i.e. with a single JS array argument for the shape?",
        );
      }
      throw new TypeError(`${sig.name}(): cannot interpret ${show(v)} as a data type; use a dtype name such as "float32" or np.int32.`);
  }
}

function show(v: unknown): string {
  if (typeof v === "string") return JSON.stringify(v);
  if (typeof v === "function") return `function ${v.name || "<anonymous>"}`;
  if (globalThis.Array.isArray(v)) return `[${v.map(show).join(", ")}]`;
  if (isPlainObject(v)) return `{${Object.keys(v).join(", ")}}`;
  return String(v);
}

/** `np.sum(a, axis?, {axis, keepdims})`: how the function is called, for error messages. */
export function usage(sig: Signature): string {
  const ps = sig.params.filter((p) => p.name !== "self").map((p) => `${p.name}${p.optional ? "?" : ""}`);
  if (sig.rest) ps.push(`...${sig.rest.name}`);
  if (sig.options.length) ps.push(`{${sig.options.join(", ")}}`);
  return `${sig.name}(${ps.join(", ")})`;
}

/** Every declared function reachable from `namespaces` (`{np: numpy, lax, ...}`), by its declared name. */
export function declaredSignatures(namespaces: Record<string, object>): Map<string, Signature> {
  const out = new Map<string, Signature>();
  const seen = new Set<object>();
  const walk = (o: object) => {
    if (seen.has(o)) return;
    seen.add(o);
    for (const v of Object.values(o)) {
      const sig = signatureOf(v);
      if (sig) out.set(sig.name, sig);
      else if (v && typeof v === "object" && !globalThis.Array.isArray(v)) walk(v);
    }
  };
  Object.values(namespaces).forEach(walk);
  return out;
}
