import * as jax from "../../ts/index.js";
import { numpy as np } from "../../ts/index.js";
import { ShapedArray } from "../../ts/core/aval.js";
import { Jaxpr, JaxprEqn, Literal, Var, formatScalar, typecheckJaxpr } from "../../ts/core/jaxpr.js";
import * as m from "../../ts/primitives/math.js";
import { JAXPRS } from "../golden/core.js";

describe("jaxpr printer vs JAX", () => {
  for (const c of JAXPRS) {
    it(`${c.name}: ${c.source}`, () => {
      const closed = jax.makeJaxpr(c.fn)(...c.args());
      expect(String(closed)).toBe(c.jax);
      typecheckJaxpr(closed.jaxpr);
    });
  }

  it("np.where: differs from JAX only in JAX's jit[name=_where] wrapper", () => {
    // JAX stages jnp.where as `jit[name=_where]` around broadcast_in_dim + select_n; webjax
    // binds select_n directly. This documents our text (it must stay a plain select_n).
    const text = String(jax.makeJaxpr((a) => np.where(a.gt(0), a, 0))(np.ones([2, 3])));
    expect(text).toBe(
      "{ lambda ; a:f32[2,3]. let\n" +
        "    b:bool[2,3] = gt a 0.0:f32[]\n" +
        "    c:f32[2,3] = broadcast_in_dim 0.0:f32[]\n" +
        "    d:f32[2,3] = select_n b c a\n" +
        "  in (d,) }",
    );
  });
});

describe("jaxpr structure", () => {
  const f32 = (...shape: number[]) => new ShapedArray(shape, "float32");

  it("typecheckJaxpr catches a wrong output type", () => {
    const x = new Var(f32(3));
    const bad = new Var(f32(4));
    const j = new Jaxpr([], [x], [new JaxprEqn(m.sin, [x], {}, [bad])], [bad]);
    expect(() => typecheckJaxpr(j)).toThrowError(TypeError, /equation 0 \(sin\) produces f32\[3\] but binds f32\[4\]/);
  });

  it("typecheckJaxpr catches undefined variables and rebinding", () => {
    const x = new Var(f32(3)), y = new Var(f32(3)), z = new Var(f32(3));
    expect(() => typecheckJaxpr(new Jaxpr([], [x], [new JaxprEqn(m.sin, [y], {}, [z])], [z]))).toThrowError(TypeError, /undefined variable/);
    expect(() => typecheckJaxpr(new Jaxpr([], [x], [new JaxprEqn(m.sin, [x], {}, [x])], [x]))).toThrowError(TypeError, /rebinds/);
    expect(() => typecheckJaxpr(new Jaxpr([], [x], [], [y]))).toThrowError(TypeError, /the output reads an undefined variable/);
  });

  it("typecheckJaxpr runs abstract eval (dtype errors)", () => {
    const x = new Var(f32(3)), i = new Var(new ShapedArray([3], "int32")), o = new Var(f32(3));
    expect(() => typecheckJaxpr(new Jaxpr([], [x, i], [new JaxprEqn(m.add, [x, i], {}, [o])], [o]))).toThrowError(TypeError, /same dtypes/);
  });

  it("accepts a well-typed hand-built jaxpr with literals", () => {
    const x = new Var(f32(3)), o = new Var(f32(3));
    const j = new Jaxpr([], [x], [new JaxprEqn(m.mul, [x, new Literal(2, new ShapedArray([], "float32"))], {}, [o])], [o]);
    typecheckJaxpr(j);
    expect(String(j)).toBe("{ lambda ; a:f32[3]. let b:f32[3] = mul a 2.0:f32[] in (b,) }");
  });

  it("names variables a..z, then ba, bb, ...", () => {
    const f = (x: jax.Array) => {
      let y = x;
      for (let i = 0; i < 30; i++) y = np.sin(y);
      return y;
    };
    const text = String(jax.makeJaxpr(f)(np.ones([])));
    expect(text).toContain("z:f32[] = sin y");
    expect(text).toContain("ba:f32[] = sin z");
    expect(text).toContain("bb:f32[] = sin ba");
    expect(text).toContain("be:f32[] = sin bd");
    expect(text).toMatch(/in \(be,\) \}$/);
  });

  it("formats scalars as NumPy does", () => {
    expect(formatScalar(1, "float32")).toBe("1.0");
    expect(formatScalar(0.1, "float64")).toBe("0.1");
    expect(formatScalar(Math.fround(0.1), "float32")).toBe("0.1");
    expect(formatScalar(1e20, "float32")).toBe("1e+20");
    expect(formatScalar(1.5e-7, "float32")).toBe("1.5e-07");
    expect(formatScalar(-0, "float32")).toBe("-0.0");
    expect(formatScalar(NaN, "float32")).toBe("nan");
    expect(formatScalar(-Infinity, "float32")).toBe("-inf");
    expect(formatScalar(3, "int32")).toBe("3");
    expect(formatScalar(true, "bool")).toBe("True");
  });

  it("prettyPrint({nameStack}) annotates every equation, with `# []` outside any scope (as JAX)", () => {
    const c = jax.makeJaxpr((x) => np.sin(x))(np.ones([3]));
    expect(c.prettyPrint({ nameStack: true })).toBe("{ lambda ; a:f32[3]. let b:f32[3] = sin a in (b,) } # []");
  });
});
