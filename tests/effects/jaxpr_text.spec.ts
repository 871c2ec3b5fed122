// makeJaxpr text of callbacks, names and the call-like primitives around them, against JAX.
import { typecheckJaxpr } from "../../ts/core/jaxpr.js";
import * as jax from "../../ts/index.js";
import { JAXPRS, NAME_STACK_JAXPRS } from "../golden/effects.js";

describe("effects jaxpr text vs JAX", () => {
  for (const c of JAXPRS) {
    it(`${c.name}: ${c.source}`, () => {
      const closed = jax.makeJaxpr(c.fn)(...c.args());
      expect(String(closed)).toBe(c.jax);
      typecheckJaxpr(closed.jaxpr);
    });
  }
});

// Name stacks (JAX's `# [scope]` annotations, relative to each jaxpr, with jvp/vmap/transpose entries).
describe("name stacks in jaxpr text vs JAX (prettyPrint({nameStack: true}))", () => {
  for (const c of NAME_STACK_JAXPRS) {
    it(`${c.name}: ${c.source}`, () => {
      const text = jax.makeJaxpr(c.fn)(...c.args()).prettyPrint({ nameStack: true });
      expect(text).toBe(c.jax);
    });
  }
});
