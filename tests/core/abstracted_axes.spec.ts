// jit's abstractedAxes: one trace (at sentinel sizes) serves every size of the named axes.
import * as jax from "../../ts/index.js";
import { Array, numpy as np } from "../../ts/index.js";
import { expectClose } from "../util/close.js";

const L = (x: Array) => x.tolistSync();

describe("jit abstractedAxes", () => {
  it("runs for any size of the named axes without tracing again", () => {
    let traces = 0;
    const body = (x: Array, w: Array) => {
      traces++;
      const h = np.tanh(x.matmul(w));
      return [h.mean({ axis: 0 }), h.slice([1, null]).sum(), x.reshape([-1]).mul(2), np.concatenate([x, x]).sum({ axis: 0 })];
    };
    const f = jax.jit(body, { abstractedAxes: [{ 0: "n" }, null] });
    const w = np.ones([3, 2]).mul(0.1);
    for (const n of [4, 5, 9, 2, 4]) {
      const x = np.arange(n * 3).astype("float32").reshape([n, 3]).mul(0.01);
      const got = f(x, w);
      const ref = body(x, w);
      got.forEach((g: Array, i: number) => {
        expect(g.shape).toEqual(ref[i].shape);
        expectClose(L(g), L(ref[i]), { rtol: 1e-5, atol: 1e-6 });
      });
    }
    const afterFirst = 3 + 5; // the template's traces, then the eager reference calls
    expect(traces).toBe(afterFirst);
  });

  it("supports several names and the array-of-names form; sizes must agree", () => {
    let traces = 0;
    const f = jax.jit((a: Array, b: Array) => {
      traces++;
      return a.matmul(b).sum({ axis: 1 });
    }, { abstractedAxes: [["n", "k"], ["k", null]] });
    for (const [n, k] of [[2, 3], [5, 1], [4, 7]]) {
      const a = np.ones([n, k]);
      const b = np.arange(k * 2).astype("float32").reshape([k, 2]);
      expectClose(L(f(a, b)), L(a.matmul(b).sum({ axis: 1 })));
    }
    expect(traces).toBe(4); // two names: base, each moved, the check
    expect(() => f(np.ones([2, 3]), np.ones([4, 2]))).toThrowError(jax.ValueError, /axis 'k' has size 3 in one argument and 4 in another/);
  });

  it("rejects programs whose shapes depend on the sizes non-affinely", () => {
    const f = jax.jit((x: Array) => np.zeros([x.shape[0] * x.shape[0]]).add(1), { abstractedAxes: [{ 0: "n" }] });
    expect(() => f(np.ones([3]))).toThrowError(jax.ValueError, /abstractedAxes: .*not an affine function/);
  });
});
