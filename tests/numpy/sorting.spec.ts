// np.sort and np.argsort against JAX 0.10.2's values (ties, descending, axis null, NaN last).
import * as jax from "../../ts/index.js";

const np = jax.numpy;

describe("np.sort and np.argsort", () => {
  beforeAll(async () => {
    await jax.init();
  });

  for (const backend of ["cpu", "wasm"] as const) {
    it(`give JAX's values on ${backend}, eagerly and under jit`, () => {
      const x = jax.devicePut(np.array([3, 1, 2, 1, 3]), backend);
      const m = jax.devicePut(np.array([[3, 1], [0, 5]]), backend);
      expect(np.sort(x).tolistSync()).toEqual([1, 1, 2, 3, 3]);
      expect(np.sort(x, { descending: true }).tolistSync()).toEqual([3, 3, 2, 1, 1]);
      expect(np.argsort(x).tolistSync()).toEqual([1, 3, 2, 0, 4]);
      expect(np.argsort(x, { descending: true }).tolistSync()).toEqual([0, 4, 2, 1, 3]);
      expect(np.sort(m).tolistSync()).toEqual([[1, 3], [0, 5]]);
      expect(np.sort(m, 0).tolistSync()).toEqual([[0, 1], [3, 5]]);
      expect(np.sort(m, null).tolistSync()).toEqual([0, 1, 3, 5]);
      expect(np.argsort(m, null).tolistSync()).toEqual([2, 1, 0, 3]);
      expect(np.sort(np.array([NaN, 1])).tolistSync()).toEqual([1, NaN]);
      expect(jax.jit((a: jax.Array) => np.argsort(a, -1, { descending: true }))(x).tolistSync()).toEqual([0, 4, 2, 1, 3]);
      expect(np.argsort(x, { dtype: "float32" }).dtype).toBe("float32");
    });
  }
});
