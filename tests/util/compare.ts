// Comparing a backend's results with the cpu reference's, as the property suites do: integers
// and bools exactly; floats bit for bit, within ulps, or within summation/product error bounds
// (see the tolerance kinds below); and fast-check's parameters and report for those suites.
import fc from "fast-check";
import type { DType } from "../../ts/core/dtype.js";
import { float16Value } from "../../ts/core/dtype.js";
import type { HostArray } from "../../ts/core/host.js";
import { ClosedJaxpr } from "../../ts/core/jaxpr.js";
import type { Params } from "../../ts/core/primitive.js";

export const SEED = 20250611;
export const RUNS = 30;
// No shrinking (fc.gen's shrinker mostly walks element values for thousands of steps): the
// failing case is reported as generated, described by `checkCase`.
export const fcParams = (numRuns = RUNS): fc.Parameters<[fc.GeneratorValue]> => ({ seed: SEED, numRuns, endOnFailure: true, reporter });

/** A disagreement between backends (its message describes the case). */
export class Mismatch extends Error {}

/** fast-check's report in short (the error describes the case). */
export function reporter(d: fc.RunDetails<[fc.GeneratorValue]>): void {
  if (!d.failed) return;
  const e = d.errorInstance;
  const why = e instanceof Error ? e.message : String(e);
  throw new Error(`Property failed on run ${d.numRuns}; reproduce with { seed: ${d.seed}, path: "${d.counterexamplePath}", endOnFailure: true }.\n${why}`);
}

export type G = fc.GeneratorValue;

// ---- comparison ----

export type Tol =
  /** `zeros`: +0 and -0 match (a known-bug workaround; see the "known bugs" specs). */
  | { kind: "exact"; zeros?: boolean }
  | { kind: "ulp"; ulps: number; atol: number; atol64?: number }
  | { kind: "sum"; terms: number }
  | { kind: "prod"; terms: number };

export const EXACT: Tol = { kind: "exact" };
export const EXACT_ZEROS: Tol = { kind: "exact", zeros: true };
export const ULP: Extract<Tol, { kind: "ulp" }> = { kind: "ulp", ulps: 4, atol: 2 ** -22, atol64: 2 ** -51 };

export const EPS: Partial<Record<DType, number>> = { float32: 2 ** -24, complex64: 2 ** -24, float16: 2 ** -11, float64: 2 ** -53 };
export const MANTISSA: Partial<Record<DType, [number, number]>> = { float32: [23, -126], complex64: [23, -126], float16: [10, -14], float64: [52, -1022] };

/** The spacing of `dtype`'s floats at |x|. */
export function ulp(x: number, dtype: DType): number {
  const [bits, minExp] = MANTISSA[dtype]!;
  const e = x === 0 ? minExp : Math.max(Math.floor(Math.log2(Math.abs(x))), minExp);
  return 2 ** (e - bits);
}

export function close(got: number, want: number, tol: Tol, dtype: DType, mag: number): boolean {
  if (Number.isNaN(got) || Number.isNaN(want)) return Number.isNaN(got) && Number.isNaN(want);
  if (Object.is(got, want)) return true;
  const err = Math.abs(got - want);
  switch (tol.kind) {
    case "exact": return !!tol.zeros && got === want;
    case "ulp": return Number.isFinite(want) && err <= tol.ulps * ulp(want, dtype) + (dtype === "float64" ? tol.atol64 ?? tol.atol : tol.atol);
    // Each product may also underflow on its own: one subnormal spacing per term.
    case "sum": return got === want || err <= (2 * Math.sqrt(tol.terms) + 1) * EPS[dtype]! * mag + tol.terms * ulp(0, dtype);
    // Products that reach the subnormal range round to its spacing once per further factor.
    case "prod": return got === want || err <= (tol.terms + 1) * EPS[dtype]! * Math.abs(want) + tol.terms * ulp(0, dtype);
  }
}

/**
 * Complex products, quotients and the like computed in float32 (as XLA computes complex64)
 * against the float64 reference rounded once: each part within k eps of |re| + |im| of the
 * reference (cancellation in re = a.re b.re - a.im b.im is relative to the whole value), plus
 * a few subnormal spacings; NaN where the reference has NaN.
 */
export function closeComplex(g: number[], w: number[], i: number, k: number): boolean {
  if (Number.isNaN(g[i]) || Number.isNaN(w[i])) return Number.isNaN(g[i]) && Number.isNaN(w[i]);
  if (Object.is(g[i], w[i])) return true;
  const j = i - (i % 2);
  return Math.abs(g[i] - w[i]) <= k * EPS.complex64! * (Math.abs(w[j]) + Math.abs(w[j + 1])) + 4 * ulp(0, "complex64");
}

/** Elements as JS numbers (float16 decoded; complex64 stays interleaved re, im). */
export function values(h: HostArray): number[] {
  return h.dtype === "float16" ? globalThis.Array.from(h.data, float16Value) : globalThis.Array.from(h.data);
}

export const isFloatLike = (d: DType) => d === "float32" || d === "float64" || d === "float16" || d === "complex64";

/** Mismatch descriptions of `got` against `want` (empty when they agree). */
/**
 * Mismatch descriptions of `got` against `want` (empty when they agree). `ftz`: the device
 * flushes float32 subnormals, in some operations and not others (SwiftShader): results are
 * compared flushed, each element against `want` or `alt` (the reference on flushed inputs).
 */
export function compare(what: string, got: HostArray, want: HostArray, tol: Tol, mag?: HostArray, opts: { ftz?: boolean; alt?: HostArray } = {}): string[] {
  if (got.dtype !== want.dtype || got.shape.join() !== want.shape.join()) {
    return [`${what}: got ${got.dtype}[${got.shape}], want ${want.dtype}[${want.shape}]`];
  }
  const ftz = opts.ftz && (want.dtype === "float32" || want.dtype === "complex64");
  const [g, w, m] = [values(ftz ? flushSubnormals(got) : got), values(ftz ? flushSubnormals(want) : want), mag ? values(mag) : []];
  const a = opts.ftz && opts.alt ? values(flushSubnormals(opts.alt)) : null;
  const t = isFloatLike(want.dtype) ? tol : EXACT;
  // A device that flushes subnormals may be off by the smallest normal float in any result, and
  // by that much in every term of a sum or product.
  const lost = !ftz ? 0 : t.kind === "sum" || t.kind === "prod" ? 2 * t.terms * 2 ** -126 : 2 ** -126;
  const bad: string[] = [];
  for (let i = 0; i < w.length && bad.length < 6; i++) {
    const complexTol = want.dtype === "complex64" && (t.kind === "exact" || t.kind === "ulp");
    const near = (r: number[]) => (lost > 0 && Math.abs(g[i] - r[i]) <= lost) ||
      (complexTol ? closeComplex(g, r, i, t.kind === "ulp" ? Math.max(4, t.ulps) : 4) : close(g[i], r[i], t, want.dtype, Math.abs(m[i] ?? 0)));
    const ok = near(w) || (a !== null && near(a));
    if (!ok) bad.push(`[${i}] got ${fmt(g[i])} want ${fmt(w[i])}${mag ? ` (sum|terms| ${fmt(m[i])})` : ""}`);
  }
  return bad.length ? [`${what} (${want.dtype}[${want.shape}], ${tol.kind}): ${bad.join(", ")}`] : [];
}

export const fmt = (v: number) => (Object.is(v, -0) ? "-0" : String(v));

export function fmtHost(h: HostArray, limit = 24): string {
  const v = values(h);
  const shown = v.slice(0, limit).map(fmt).join(", ");
  return `${h.dtype}[${h.shape}] [${shown}${v.length > limit ? `, … (${v.length})` : ""}]`;
}

export function fmtParams(p: Params | undefined): string {
  return JSON.stringify(p ?? {}, (_, v) => (v instanceof ClosedJaxpr ? `{ ${String(v.jaxpr).replace(/\s+/g, " ")} }` : typeof v === "function" ? "<fn>" : v));
}

/**
 * float32 (and complex64 parts) subnormals as signed zeros: what a device that flushes them
 * (WGSL allows it; SwiftShader does) stores and computes with.
 */
export function flushSubnormals(h: HostArray): HostArray {
  if (h.dtype !== "float32" && h.dtype !== "complex64") return h;
  const data = (h.data as Float32Array).map((v) => (v !== 0 && Math.abs(v) < 2 ** -126 ? (v < 0 ? -0 : 0) : v));
  return { ...h, data };
}
