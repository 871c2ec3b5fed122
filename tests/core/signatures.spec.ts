// Walks every export (numpy, lax, random, tree, profiler, the transformations and the runtime
// entry points) against its declared signature: each rejects an unknown option, a surplus
// argument and a missing one with a TypeError naming what it accepts, and takes positionally
// what JAX 0.10.2 takes positionally, in JAX's order (tests/golden/signatures.ts).

import * as jax from "../../ts/index.js";
import { Signature, declaredSignatures, signatureOf, usage } from "../../ts/core/signature.js";
import { JAX_SIGNATURES } from "../golden/signatures.js";

/** Exports that are not functions users call with arguments: classes, constants, namespaces of settings. */
const NOT_DECLARED = new Set([
  "Array", "Device", "Shard", "ClosedJaxpr", "Jaxpr", "ShapedArray", "SymbolicZero", "ValueError", "ConcretizationTypeError",
  "UnboundAxisError", "UnexpectedTracerError", "config", "checkpointPolicies", "numpy.IndexError", "numpy.linalg",
  "tree.TreeDef", "profiler.ProfilerError", "profiler.TraceAnnotation",
]);

/** Where webjax departs from JAX's positional parameters on purpose. */
const DEPARTURES: Record<string, string> = {
  "jax.namedScope": "JS has no `with`: the scope's body is a function argument (or `using`)",
  "profiler.trace": "JS has no `with`: the traced body is a function argument, logDir an option",
  "lax.scan": "xs is required (null with `length`), so a trailing pytree of xs is never read as options",
  "jax.fwdAndBwd": "argnums may be left out (default 0), as in grad",
};

function exportedFunctions(): [string, Function][] {
  const out: [string, Function][] = [];
  const walk = (prefix: string, o: Record<string, unknown>) => {
    for (const [k, v] of Object.entries(o)) {
      const name = prefix + k;
      if (NOT_DECLARED.has(name)) continue;
      if (typeof v === "function") out.push([name, v]);
      else if (v && typeof v === "object" && ["numpy", "lax", "random", "tree", "profiler", "sharding"].includes(k) && prefix === "") walk(`${k}.`, v as Record<string, unknown>);
    }
  };
  walk("", jax as unknown as Record<string, unknown>);
  walk("numpy.linalg.", jax.numpy.linalg as unknown as Record<string, unknown>);
  return out;
}

function thrown(f: () => unknown): any {
  try {
    const r = f();
    // An async function (init) reports through its promise.
    if (r instanceof Promise) r.catch(() => {});
  } catch (e) {
    return e;
  }
  return undefined;
}

const camel = (snake: string) => snake.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
const positionals = (sig: Signature) => sig.params.filter((p) => p.name !== "self");

describe("every export declares its signature", () => {
  const fns = exportedFunctions();

  it("walks a few hundred functions, each with a signature", () => {
    expect(fns.length).toBeGreaterThan(250);
    const missing = fns.filter(([, f]) => !signatureOf(f)).map(([n]) => n);
    expect(missing).toEqual([]);
  });

  it("rejects an unknown option with a TypeError naming the accepted ones", () => {
    const problems: string[] = [];
    for (const [name, f] of fns) {
      const sig = signatureOf(f)!;
      if (sig.rest?.data) continue; // a trailing object there is data (operands, primals, callback args)
      const args = [...new globalThis.Array(sig.required).fill(undefined).map(() => 0), { notAnOption: 1 }];
      // With every positional given, the object is surely in the options' place.
      while (args.length - 1 < positionals(sig).length && !sig.options.length) args.unshift(0);
      const e = thrown(() => f(...args));
      if (!(e instanceof TypeError)) {
        problems.push(`${name}: ${e ? e.message : "no error"}`);
        continue;
      }
      const ok = sig.options.length
        ? e.message.includes("'notAnOption'") && sig.options.every((o) => e.message.includes(o))
        : e.message.includes(sig.name) && e.message.includes("options");
      if (!ok) problems.push(`${name}: ${e.message}`);
    }
    expect(problems).toEqual([]);
  });

  it("rejects a surplus positional argument, naming how the function is called", () => {
    const problems: string[] = [];
    for (const [name, f] of fns) {
      const sig = signatureOf(f)!;
      if (sig.rest) continue;
      const e = thrown(() => f(...new globalThis.Array(positionals(sig).length + 1).fill(0)));
      if (!(e instanceof TypeError) || (sig.name !== "jax.init" && !e.message.includes(usage(sig)))) problems.push(`${name}: ${e?.message ?? "no error"}`);
    }
    expect(problems).toEqual([]);
  });

  it("rejects a missing required argument, naming it", () => {
    const problems: string[] = [];
    for (const [name, f] of fns) {
      const sig = signatureOf(f)!;
      const first = positionals(sig)[0];
      if (!sig.required || !first || sig.name === "jax.pureCallback") continue;
      const e = thrown(() => f());
      if (!(e instanceof TypeError) || !e.message.includes(`'${first.name}'`)) problems.push(`${name}: ${e?.message ?? "no error"}`);
    }
    expect(problems).toEqual([]);
  });

  it("takes positionally what JAX takes positionally, in JAX's order", () => {
    const problems: string[] = [];
    const sigs = declaredSignatures({ jax });
    for (const [name, sig] of sigs) {
      const g = JAX_SIGNATURES[name];
      expect(g).withContext(`${name} is missing from tests/golden/signatures.ts: rerun tools/golden_signatures.py`).not.toBeUndefined();
      if (!g || DEPARTURES[name]) continue;
      const ours = positionals(sig).map((p) => p.name);
      const theirs = g.params.map(camel);
      ours.forEach((p, i) => {
        if (theirs[i] !== p && theirs[i] !== "*") problems.push(`${name}: parameter ${i} is '${p}', JAX's is '${theirs[i] ?? "(none)"}'`);
      });
      const next = theirs[ours.length];
      if (next && !sig.rest && sig.options.includes(next)) problems.push(`${name}: JAX takes '${next}' positionally; webjax only as an option`);
    }
    expect(problems).toEqual([]);
    for (const name of Object.keys(DEPARTURES)) expect(sigs.has(name)).withContext(name).toBeTrue();
  });

  it("every declared name is a JAX name (or a listed webjax extra)", () => {
    const extras = Object.entries(JAX_SIGNATURES).filter(([, g]) => g === null).map(([n]) => n).sort();
    expect(extras).toEqual(["jax.devicePutAsync", "jax.getBackend", "jax.init", "jax.loadWasmRuntime", "jax.setDefaultBackend", "jax.setWasmPaths", "jax.tidy", "np.allcloseAsync", "np.rsqrt", "profiler.isTracing"]);
  });
});
