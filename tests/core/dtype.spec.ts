import { numpy as np } from "../../ts/index.js";
import { DType, castScalar, float16Bits, float16Value, promoteTypes, toDType } from "../../ts/core/dtype.js";
import { castTo as astype } from "../../ts/numpy/convert.js";
import { PROMOTION, PROMOTION_F64, PromotionRow } from "../golden/core.js";

// Our lattice has no int64 or complex128: where JAX (x64 on) reaches them, webjax lands on
// int32 / complex64, exactly as JAX does with x64 disabled.
const OURS: Record<string, string> = { int64: "int32", complex128: "complex64" };

function operand(d: DType, weak: boolean) {
  return astype(np.zeros([], { dtype: d }), d, weak);
}

const label = (r: PromotionRow) => `${r.x}${r.xWeak ? "(weak)" : ""} + ${r.y}${r.yWeak ? "(weak)" : ""}`;

describe("dtype promotion", () => {
  it("promoteTypes matches jnp.add's table (x64 disabled)", () => {
    expect(PROMOTION.length).toBe(81);
    for (const r of PROMOTION) {
      const got = promoteTypes({ dtype: r.x, weakType: r.xWeak }, { dtype: r.y, weakType: r.yWeak });
      expect(`${got.dtype}${got.weakType ? "~" : ""}`).withContext(label(r)).toBe(`${r.out}${r.outWeak ? "~" : ""}`);
    }
  });

  it("np.add on arrays follows the same table (dtype and weak type)", () => {
    for (const r of PROMOTION) {
      const out = np.add(operand(r.x, r.xWeak), operand(r.y, r.yWeak));
      expect(`${out.dtype}${out.weakType ? "~" : ""}`).withContext(label(r)).toBe(`${r.out}${r.outWeak ? "~" : ""}`);
    }
  });

  it("float64 pairs follow JAX's x64 lattice (int64/complex128 mapped to int32/complex64)", () => {
    expect(PROMOTION_F64.length).toBeGreaterThan(10);
    for (const r of PROMOTION_F64) {
      const got = promoteTypes({ dtype: r.x, weakType: r.xWeak }, { dtype: r.y, weakType: r.yWeak });
      expect(`${got.dtype}${got.weakType ? "~" : ""}`).withContext(label(r)).toBe(`${OURS[r.out] ?? r.out}${r.outWeak ? "~" : ""}`);
    }
  });

  it("promotes JS numbers as weak scalars", () => {
    expect(np.ones([2], { dtype: "float16" }).mul(2).dtype).toBe("float16");
    expect(np.arange(3).add(1.5).dtype).toBe("float32");
    expect(np.arange(3).add(2).dtype).toBe("int32");
    expect(np.array([true, false]).add(1).dtype).toBe("int32");
    expect(np.ones([2], { dtype: "uint32" }).mul(3).dtype).toBe("uint32");
  });

  it("is commutative and associative over the table", () => {
    const kinds = PROMOTION.filter((r) => r.y === "bool" && !r.yWeak).map((r) => ({ dtype: r.x, weakType: r.xWeak }));
    for (const a of kinds) for (const b of kinds) {
      expect(promoteTypes(a, b)).toEqual(promoteTypes(b, a));
      for (const c of kinds) expect(promoteTypes(promoteTypes(a, b), c)).toEqual(promoteTypes(a, promoteTypes(b, c)));
    }
  });

  it("accepts dtype aliases and rejects unknown ones", () => {
    expect(toDType("float")).toBe("float32");
    expect(toDType("int")).toBe("int32");
    expect(toDType("complex")).toBe("complex64");
    expect(() => toDType("int64")).toThrowError(TypeError, /Unsupported dtype int64/);
  });
});

describe("castScalar", () => {
  it("truncates and saturates integers, NaN to 0", () => {
    expect(castScalar(2.7, "int32")).toBe(2);
    expect(castScalar(-2.7, "int32")).toBe(-2);
    expect(castScalar(1e12, "int32")).toBe(2147483647);
    expect(castScalar(-1e12, "int32")).toBe(-2147483648);
    expect(castScalar(NaN, "int32")).toBe(0);
    expect(castScalar(-3, "uint32")).toBe(0);
    expect(castScalar(5e9, "uint32")).toBe(4294967295);
  });
  it("maps to bool by nonzero-ness", () => {
    expect(castScalar(0, "bool")).toBe(0);
    expect(castScalar(-0.5, "bool")).toBe(1);
    expect(castScalar(NaN, "bool")).toBe(0);
  });
  it("rounds floats to their precision", () => {
    expect(castScalar(0.1, "float32")).toBe(Math.fround(0.1));
    expect(castScalar(0.1, "float64")).toBe(0.1);
    expect(castScalar(0.1, "float16")).toBe(0.0999755859375);
    expect(castScalar(70000, "float16")).toBe(Infinity);
  });
});

describe("float16", () => {
  it("round-trips every finite half value through bits", () => {
    for (let h = 0; h < 0x10000; h++) {
      const e = (h >>> 10) & 0x1f;
      if (e === 0x1f) continue;
      const v = float16Value(h);
      const back = float16Bits(v);
      // -0 and +0 keep their sign bit.
      if (back !== h) fail(`half 0x${h.toString(16)} -> ${v} -> 0x${back.toString(16)}`);
    }
  });
  it("rounds to nearest even, handles subnormals, inf and nan", () => {
    expect(float16Value(float16Bits(1 + 2 ** -11))).toBe(1); // tie -> even
    expect(float16Value(float16Bits(1 + 3 * 2 ** -11))).toBe(1 + 2 ** -9); // tie -> even (up)
    expect(float16Value(float16Bits(2 ** -24))).toBe(2 ** -24);
    expect(float16Value(float16Bits(2 ** -26))).toBe(0);
    expect(float16Value(float16Bits(65504))).toBe(65504);
    expect(float16Value(float16Bits(65520))).toBe(Infinity);
    expect(float16Value(float16Bits(-Infinity))).toBe(-Infinity);
    expect(Number.isNaN(float16Value(float16Bits(NaN)))).toBeTrue();
  });
  it("float16 arrays hold rounded values and read back as float32", () => {
    const x = np.array([0.1, 1000.3, -2.5], { dtype: "float16" });
    expect(x.dtype).toBe("float16");
    const d = x.dataSync();
    expect(d instanceof Float32Array).toBeTrue();
    expect(Array.from(d)).toEqual([0.0999755859375, 1000.5, -2.5]);
    expect(x.mul(2).tolistSync()).toEqual([0.199951171875, 2001, -5]);
  });
});

import * as jaxForCast from "../../ts/index.js";

describe("convert_element_type between integers", () => {
  it("wraps bits like XLA (int32 -1 -> uint32 4294967295, uint32 2^31 -> int32 -2^31)", () => {
    const np = jaxForCast.numpy;
    expect(np.array([-1, 5], { dtype: "int32" }).astype("uint32").tolistSync()).toEqual([4294967295, 5]);
    expect(np.array(new Uint32Array([2147483648])).astype("int32").tolistSync()).toEqual([-2147483648]);
    expect(np.array([-1.5, 3e10]).astype("uint32").tolistSync()).toEqual([0, 4294967295]);
  });
});
