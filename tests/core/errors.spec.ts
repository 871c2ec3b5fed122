import * as jax from "../../ts/index.js";
import { numpy as np } from "../../ts/index.js";
import { Array } from "../../ts/core/array.js";
import { bind1 } from "../../ts/core/trace.js";
import * as m from "../../ts/primitives/math.js";
import { caught } from "../util/caught.js";

describe("errors users meet", () => {
  afterEach(() => {
    // Whatever went wrong, the runtime keeps working.
    expect(jax.jit((x: Array) => x.mul(2))(np.ones([2])).tolistSync()).toEqual([2, 2]);
    expect(np.add(np.ones([2]), 1).tolistSync()).toEqual([2, 2]);
  });

  it("shape mismatches raise ValueError naming both shapes (eager and traced)", () => {
    for (const run of [(f: () => unknown) => f(), (f: () => unknown) => jax.jit(f)()]) {
      const e = caught(() => run(() => np.add(np.ones([2, 3]), np.ones([4]))));
      expect(e).toBeInstanceOf(jax.ValueError);
      expect(e.name).toBe("ValueError");
      expect(e.message).toContain("(2, 3)");
      expect(e.message).toContain("(4,)");
    }
    const e = caught(() => np.matmul(np.ones([2, 3]), np.ones([4, 5])));
    expect(e).toBeInstanceOf(jax.ValueError);
    expect(e.message).toContain("(2, 3)");
    expect(e.message).toContain("(4, 5)");
  });

  it("dtype mismatches at the lax level raise TypeError", () => {
    const e = caught(() => bind1(m.add, [np.ones([2]), np.ones([2], { dtype: "int32" })]));
    expect(e).toBeInstanceOf(TypeError);
    expect(e.message).toMatch(/add requires arguments to have the same dtypes, got float32, int32/);
    const e2 = caught(() => bind1(m.sin, [np.ones([2], { dtype: "int32" })]));
    expect(e2.message).toMatch(/sin does not accept dtype int32/);
  });

  it("ConcretizationTypeError for Number(tracer), template strings, comparisons and item()", () => {
    const cases: [string, (x: any) => unknown][] = [
      ["Number", (x) => Number(x)],
      ["template", (x) => `${x}`],
      ["compare", (x) => x < 1],
      ["item", (x) => x.item()],
      ["dataSync", (x) => x.dataSync()],
      ["tolistSync", (x) => x.tolistSync()],
    ];
    for (const [what, use] of cases) {
      const e = caught(() => jax.jit((x: Array) => { use(x); return x; })(np.ones([])));
      expect(e).withContext(what).toBeInstanceOf(jax.ConcretizationTypeError);
      expect(e.name).withContext(what).toBe("ConcretizationTypeError");
      expect(e.message).withContext(what).toContain("lax.cond");
    }
  });

  it("concrete arrays still convert outside transformations", () => {
    const x = np.array([1.5]);
    expect(Number(x)).toBe(1.5);
    expect(+np.array(2) < 3).toBeTrue();
    expect(`${np.array([1, 2])}`).toBe("Array([1, 2], dtype=float32)");
  });

  it("UnexpectedTracerError when a leaked tracer is used later", () => {
    let leaked: Array | undefined;
    const f = jax.jit((x: Array) => {
      leaked = np.sin(x);
      return x;
    });
    f(np.ones([3]));
    expect(leaked).toBeDefined();
    const e = caught(() => np.add(leaked!, 1));
    expect(e).toBeInstanceOf(jax.UnexpectedTracerError);
    expect(e.name).toBe("UnexpectedTracerError");
    // Also inside another trace.
    const e2 = caught(() => jax.jit((y: Array) => y.add(leaked!))(np.ones([3])));
    expect(e2).toBeInstanceOf(jax.UnexpectedTracerError);
  });

  it("errors thrown inside a traced function leave jit usable for the next call", () => {
    let shouldThrow = true;
    const f = jax.jit((x: Array) => {
      if (shouldThrow) throw new Error("boom");
      return x.add(1);
    });
    expect(() => f(np.ones([2]))).toThrowError("boom");
    shouldThrow = false;
    expect(f(np.ones([2])).tolistSync()).toEqual([2, 2]);
  });

  it("bad staticArgnums raise ValueError", () => {
    const e = caught(() => jax.jit((x: Array) => x, { staticArgnums: 3 })(np.ones([2])));
    expect(e).toBeInstanceOf(jax.ValueError);
  });
});
