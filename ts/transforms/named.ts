// Names for staged computations (`jax.named_scope`, `jax.named_call`). As in JAX 0.10, neither
// adds a primitive: each pushes a scope onto the name stack that staging records on every
// equation (`ClosedJaxpr.prettyPrint({nameStack: true})`, the profiler's kernel names).
// Transformations may push a *transform* entry, which wraps the scope after it: a stack
// [jvp, outer, inner] reads "jvp(outer)/inner", and [vmap] alone reads "vmap()".

import { declareAs } from "../core/signature.js";
import { NameStackEntry, nameStackString } from "../core/jaxpr.js";
import { nameStack } from "../core/staging.js";

export { nameStackString };
export type { NameStackEntry };

/** A transformation's name-stack entry. */
export class NameTransform implements Exclude<NameStackEntry, string> {
  constructor(readonly transform: string) {}
  /** How the entry reads on its own (when it wraps nothing). */
  toString(): string {
    return `${this.transform}()`;
  }
}

/** The live name stack (staging copies it onto every equation). */
const stack = nameStack;

/** A copy of the current name stack. */
export function currentNameStack(): NameStackEntry[] {
  return [...stack];
}

/** A pushed scope; disposing it (or leaving a `using` block) pops it and anything pushed after it. */
export class NameScope {
  #depth: number;
  #open = true;
  constructor(entry: NameStackEntry) {
    this.#depth = stack.length;
    stack.push(entry);
  }
  /** Leaves the scope (Python's `__exit__`). */
  exit(): void {
    if (!this.#open) return;
    this.#open = false;
    stack.length = Math.min(stack.length, this.#depth);
  }
  [Symbol.dispose](): void {
    this.exit();
  }
}

function checkName(name: unknown): string {
  if (typeof name !== "string") throw new TypeError("named_scope name argument must be a string.");
  return name;
}

/**
 * Adds `name` to the name stack of everything staged inside (`jax.named_scope`): with a
 * function, runs it in the scope and returns its result; without, returns a scope for `using`.
 * @example const y = jax.namedScope("layer1", () => np.tanh(x.matmul(w)));
 * @example { using _ = jax.namedScope("layer1"); h = np.tanh(x.matmul(w)); }
 */
export const namedScope: {
  <T>(name: string, fn: () => T): T;
  (name: string): NameScope;
} = declareAs("jax.namedScope", "name, fn?:fn", "", <T>(name: string, fn?: () => T): T | NameScope => {
  const scope = new NameScope(checkName(name));
  if (fn === undefined) return scope;
  try {
    return fn();
  } finally {
    scope.exit();
  }
});

function namedCallImpl<F extends (...args: any[]) => any>(fun: F, opts: { name?: string | null }): F {
  if (typeof fun !== "function") throw new TypeError(`named_call: expected a function, got ${String(fun)}.`);
  const name = checkName(opts.name ?? (fun.name || "<lambda>"));
  const named = function (this: unknown, ...args: any[]) {
    const scope = new NameScope(name);
    try {
      return fun.apply(this, args);
    } finally {
      scope.exit();
    }
  };
  Object.defineProperty(named, "name", { value: fun.name });
  return named as unknown as F;
}

/** Runs `fn` under a transformation's name-stack entry (for jvp, vmap, transpose: see the report). */
export function withNameTransform<T>(name: string, fn: () => T): T {
  const scope = new NameScope(new NameTransform(name));
  try {
    return fn();
  } finally {
    scope.exit();
  }
}

/**
 * Runs `fn` with the name stack replaced by `entries` (restored afterwards): sub-jaxprs are
 * traced with an empty stack (their names are relative to the equation that holds them), and
 * re-binding an equation extends the current stack with the equation's own.
 */
export function withNameStack<T>(entries: readonly NameStackEntry[], fn: () => T): T {
  const saved = stack.splice(0, stack.length, ...entries);
  try {
    return fn();
  } finally {
    stack.splice(0, stack.length, ...saved);
  }
}

// ---- the public, checked entry points ----

/**
 * `fun` with its staged computations named `name` (default: the function's name), as
 * `jax.named_call`: a name-stack scope around every call, no extra primitive.
 * @example const layer = jax.namedCall((x) => np.tanh(x), {name: "layer"});
 * @typeParam F - the function's type, which the result keeps
 */
export const namedCall: <F extends (...args: any[]) => any>(fun: F, opts?: { name?: string | null }) => F = declareAs("jax.namedCall", "fun", "name", namedCallImpl);
