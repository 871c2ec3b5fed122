// What a JAX user writing JS trips over, found by a new-user trial: JS booleans under jit, bare
// numbers through jit(grad), how arrays print, and numpy's constants.
import * as jax from "../../ts/index.js";
import { Array } from "../../ts/index.js";

const np = jax.numpy;

describe("JS habits", () => {
  beforeAll(async () => {
    await jax.init();
  });

  it("a JS boolean passed to jit is static (JS cannot see a traced bool's truthiness): each value runs its own branch", () => {
    let traces = 0;
    const f = jax.jit((x: Array, flag: boolean) => {
      traces++;
      return flag ? x : x.neg();
    });
    expect(f(np.array([1]), false).tolistSync()).toEqual([-1]);
    expect(f(np.array([1]), true).tolistSync()).toEqual([1]);
    expect(f(np.array([2]), false).tolistSync()).toEqual([-2]);
    expect(traces).toBe(2);
    const g = jax.jit((x: Array, c: { useBias: boolean; b: Array }) => (c.useBias ? x.add(c.b) : x));
    expect(g(np.array([1]), { useBias: false, b: np.array([100]) }).tolistSync()).toEqual([1]);
    expect(g(np.array([1]), { useBias: true, b: np.array([100]) }).tolistSync()).toEqual([101]);
    // Donation still finds the right argument when booleans sit before it.
    const h = jax.jit((flag: boolean, x: Array) => (flag ? x.mul(2) : x), { donateArgnums: 1 });
    expect(h(true, np.array([3])).tolistSync()).toEqual([6]);
  });

  it("a bare JS number is a float for differentiation under jit too: jit(grad(f))(3) = grad(f)(3)", () => {
    const sq = (x: any): Array => x.mul(x); // called with a bare JS number
    expect(jax.grad(sq)(3).item()).toBe(6);
    expect(jax.jit(jax.grad(sq))(3).item()).toBe(6);
    const [v, g] = jax.jit(jax.valueAndGrad(sq))(3);
    expect([v.item(), g.item()]).toEqual([9, 6]);
    expect(jax.jit(jax.hessian(sq))(3).item()).toBe(2);
  });

  it("prints as JAX: nan and inf by name, float32 with its shortest digits, complex as a+bj; console.log shows the values", () => {
    expect(String(np.array([NaN, Infinity, -Infinity, 0.1, 1.5]))).toBe("Array([nan, inf, -inf, 0.1, 1.5], dtype=float32)");
    expect(String(np.log(np.array(-1)))).toBe("Array(nan, dtype=float32)");
    expect(String(np.array([1 / 3], "float16"))).toBe("Array([0.3333], dtype=float16)");
    expect(String(jax.lax.complex(np.array([0.5, 1]), np.array([2, -3])))).toBe("Array([0.5+2j, 1-3j], dtype=complex64)");
    const inspect = (np.array([1, 2]) as any)[Symbol.for("nodejs.util.inspect.custom")]();
    expect(inspect).toBe("Array([1, 2], dtype=float32)");
  });

  it("numpy's constants", () => {
    expect([np.pi, np.e, np.inf, np.eulerGamma]).toEqual([Math.PI, Math.E, Infinity, 0.5772156649015329]);
    expect(Number.isNaN(np.nan)).toBeTrue();
    expect(np.array([1]).mul(np.pi).item()).toBeCloseTo(Math.PI, 6);
  });
});
