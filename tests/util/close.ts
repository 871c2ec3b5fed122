// Shared numeric assertions for specs: elementwise closeness with NumPy's allclose rule.

export interface CloseOptions {
  rtol?: number;
  atol?: number;
  /** Prefix for failure messages. */
  what?: string;
}

function flat(x: unknown): number[] {
  if (typeof x === "number") return [x];
  if (typeof x === "boolean") return [Number(x)];
  if (ArrayBuffer.isView(x)) return Array.from(x as unknown as ArrayLike<number>);
  if (Array.isArray(x)) return x.flatMap(flat);
  throw new TypeError(`expectClose: cannot compare ${String(x)}`);
}

/** |a - e| <= atol + rtol * |e| elementwise (NaN matches NaN, infinities must be equal). */
export function expectClose(actual: unknown, expected: unknown, opts: CloseOptions = {}): void {
  const { rtol = 1e-6, atol = 1e-6, what = "" } = opts;
  const a = flat(actual), e = flat(expected);
  expect(a.length).withContext(`${what} length`).toBe(e.length);
  const bad: string[] = [];
  for (let i = 0; i < Math.min(a.length, e.length); i++) {
    const [x, y] = [a[i], e[i]];
    const ok = Number.isNaN(y) ? Number.isNaN(x) : !Number.isFinite(y) ? x === y : Math.abs(x - y) <= atol + rtol * Math.abs(y);
    if (!ok) bad.push(`[${i}] ${x} vs ${y}`);
  }
  expect(bad).withContext(`${what} not close (rtol=${rtol}, atol=${atol})`).toEqual([]);
}

/** float32 tolerances for comparing against a float64 reference. */
export const F32 = { rtol: 2e-6, atol: 1e-6 };
