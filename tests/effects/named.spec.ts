// jax.namedScope / jax.namedCall: names on staged equations, as JAX 0.10 records them (a name
// stack, no primitive).
import * as jax from "../../ts/index.js";
import { Array } from "../../ts/index.js";
import { nameStack } from "../../ts/core/staging.js";
import { NameTransform, currentNameStack, nameStackString, namedCall, namedScope, withNameStack, withNameTransform } from "../../ts/transforms/named.js";

const np = jax.numpy;
const stacks = (closed: jax.ClosedJaxpr) => closed.jaxpr.eqns.map((e) => nameStackString(e.nameStack as any));

describe("namedScope and namedCall", () => {
  afterEach(() => expect(nameStack.length).withContext("the name stack is balanced").toBe(0));

  it("namedScope(name, fn) runs fn in the scope and returns its result; scopes nest", () => {
    const f = (x: Array) =>
      namedScope("outer", () => {
        const y = np.sin(x);
        return namedScope("inner", () => y.mul(2));
      }).add(1);
    const closed = jax.makeJaxpr(f)(np.ones([3]));
    expect(stacks(closed)).toEqual(["outer", "outer/inner", ""]);
    expect(f(np.zeros([3])).tolistSync()).toEqual([1, 1, 1]);
  });

  it("works as a `using` scope and pops on exit (out-of-order exits are harmless)", () => {
    const f = (x: Array) => {
      let y: Array;
      {
        using _a = namedScope("a");
        y = np.sin(x);
        {
          using _b = namedScope("b");
          y = y.mul(2);
        }
        y = y.add(1);
      }
      return np.cos(y);
    };
    expect(stacks(jax.makeJaxpr(f)(np.ones([3])))).toEqual(["a", "a/b", "a", ""]);
    const outer = namedScope("x");
    const inner = namedScope("y");
    outer.exit();
    inner.exit();
    inner[Symbol.dispose]();
  });

  it("pops its scope when the function throws", () => {
    expect(() => namedScope("boom", () => {
      throw new Error("inside");
    })).toThrowError("inside");
    expect(currentNameStack()).toEqual([]);
  });

  it("namedCall names a function's equations (default: its name) and adds no primitive", () => {
    function layer(x: Array) {
      return np.tanh(x).mul(3);
    }
    const named = jax.makeJaxpr(namedCall(layer))(np.ones([2]));
    expect(stacks(named)).toEqual(["layer", "layer"]);
    expect(String(named)).toBe(String(jax.makeJaxpr(layer)(np.ones([2]))));
    expect(stacks(jax.makeJaxpr(namedCall(layer, { name: "dense" }))(np.ones([2])))).toEqual(["dense", "dense"]);
    expect(namedCall(layer).name).toBe("layer");
    expect(namedCall(layer)(np.zeros([2])).tolistSync()).toEqual([0, 0]);
  });

  it("checks names as JAX does", () => {
    expect(() => namedScope(3 as any, () => 1)).toThrowError(TypeError, "named_scope name argument must be a string.");
    expect(() => namedCall((x: Array) => x, { name: 5 as any })).toThrowError(TypeError, /must be a string/);
  });

  it("scopes reach equations inside jit bodies and control flow", () => {
    const f = jax.jit((x: Array) => namedScope("body", () => jax.lax.scan((c: Array, r: Array) => [namedScope("step", () => c.add(r)), null], x, np.ones([2, 3]))[0]));
    const closed = jax.makeJaxpr(f)(np.ones([3]));
    const jit = closed.jaxpr.eqns[0];
    const body = (jit.params.jaxpr as jax.ClosedJaxpr).jaxpr;
    const scan = body.eqns.find((e) => e.primitive.name === "scan")!;
    expect(nameStackString(scan.nameStack as any)).toMatch(/body$/);
    const add = (scan.params.jaxpr as jax.ClosedJaxpr).jaxpr.eqns[0];
    expect(nameStackString(add.nameStack as any)).toMatch(/step$/);
  });

  it("prettyPrint({nameStack: true}) shows the scopes", () => {
    const text = jax.makeJaxpr((x: Array) => namedScope("outer", () => namedScope("inner", () => np.sin(x))))(np.ones([3])).prettyPrint({ nameStack: true });
    expect(text).toContain("[outer/inner]");
  });
});

describe("name stack rendering (JAX's NameStack.__str__)", () => {
  it("wraps the following scope in each transform", () => {
    const jvp = new NameTransform("jvp"), t = new NameTransform("transpose"), vmap = new NameTransform("vmap");
    expect(nameStackString([])).toBe("");
    expect(nameStackString(["a", "b"])).toBe("a/b");
    expect(nameStackString([jvp, "outer", "inner"])).toBe("jvp(outer)/inner");
    expect(nameStackString([t, jvp, "nc"])).toBe("transpose(jvp(nc))");
    expect(nameStackString([jvp])).toBe("jvp()");
    expect(nameStackString(["u", vmap])).toBe("u/vmap()");
    expect(nameStackString(["u", vmap, jvp, "a"])).toBe("u/vmap(jvp(a))");
  });

  it("withNameTransform and withNameStack restore the stack", () => {
    const seen: string[] = [];
    withNameStack(["x"], () => {
      withNameTransform("vmap", () => seen.push(nameStackString(currentNameStack())));
      namedScope("y", () => withNameTransform("jvp", () => namedScope("z", () => seen.push(nameStackString(currentNameStack())))));
    });
    expect(seen).toEqual(["x/vmap()", "x/y/jvp(z)"]);
    expect(currentNameStack()).toEqual([]);
  });
});
