// jit with inShardings and outShardings: the results equal the unsharded function's (random
// inputs), are laid out by outShardings, and arguments that do not fit the inShardings raise
// JAX 0.10.2's errors (messages from real JAX, an Auto mesh).
import * as jax from "../../ts/index.js";
import { Array, numpy as np } from "../../ts/index.js";

const P = jax.P;
const { Mesh, NamedSharding, SingleDeviceSharding } = jax.sharding;

describe("jit with shardings", () => {
  let mesh: jax.sharding.Mesh;
  beforeAll(() => {
    const d = jax.devices();
    mesh = Mesh([d.slice(0, 4), d.slice(4, 8)], ["a", "b"]);
  });
  const rand = (shape: number[], k: number) => jax.random.normal(jax.random.key(k), shape);

  it("equals the unsharded function, its results laid out by outShardings", () => {
    const f = (x: Array, w: Array) => [np.tanh(x.matmul(w)), x.sum(0)];
    const x = rand([8, 4], 1), w = rand([4, 4], 2);
    const sharded = jax.jit(f, { inShardings: [NamedSharding(mesh, P("a", "b")), NamedSharding(mesh, P())], outShardings: [NamedSharding(mesh, P("b")), NamedSharding(mesh, P())] });
    const xs = jax.devicePut(x, NamedSharding(mesh, P("a", "b")));
    const [y, s] = sharded(xs, w);
    const [yr, sr] = f(x, w);
    expect(y.tolistSync()).toEqual(yr.tolistSync());
    expect(s.tolistSync()).toEqual(sr.tolistSync());
    expect(String(y.sharding)).toBe("NamedSharding(mesh=Mesh('a': 2, 'b': 4, axis_types=(Auto, Auto)), spec=P('b',), memory_kind=device)");
    expect(y.addressableShards.map((sh) => sh.data.shape)).toEqual(globalThis.Array.from({ length: 8 }, () => [2, 4]));
    expect(String(s.sharding)).toContain("spec=P()");
    // Uncommitted arguments are taken wherever they are; a SingleDeviceSharding out moves the result.
    const one = jax.jit((x: Array) => x.mul(2), { inShardings: NamedSharding(mesh, P("b")), outShardings: SingleDeviceSharding(jax.devices()[3]) })(x);
    expect(String(one.device)).toBe("wasm:3");
    expect(one.tolistSync()).toEqual(x.mul(2).tolistSync());
    // Under grad the shardings say nothing about tracers: the same gradient as the plain function.
    const g = jax.grad((w: Array) => sharded(xs, w)[0].sum())(w);
    expect(np.allclose(g, jax.grad((w: Array) => f(x, w)[0].sum())(w), { rtol: 1e-6, atol: 1e-6 })).toBeTrue();
  });

  it("JAX's errors for arguments that do not fit the inShardings; the runtime stays usable", () => {
    const b = jax.devicePut(np.arange(16).astype("float32").reshape([4, 4]), NamedSharding(mesh, P("a", "b")));
    const f = jax.jit((x: Array) => x.mul(2), { inShardings: NamedSharding(mesh, P("b")) });
    expect(() => f(b)).toThrowError(jax.ValueError,
      "Sharding passed to jit does not match the sharding on the respective arg. Got jit sharding: NamedSharding(mesh=Mesh('a': 2, 'b': 4, axis_types=(Auto, Auto)), spec=P('b',), memory_kind=device),\n" +
      "arg sharding: NamedSharding(mesh=Mesh('a': 2, 'b': 4, axis_types=(Auto, Auto)), spec=P('a', 'b'), memory_kind=device) for arg type: float32[4,4]");
    expect(() => f(np.arange(6).astype("float32").reshape([3, 2]))).toThrowError(jax.ValueError,
      "Sharding NamedSharding(mesh=Mesh('a': 2, 'b': 4, axis_types=(Auto, Auto)), spec=P('b',), memory_kind=device) implies that array axis 0 is partitioned 4 times, but the dimension size is 3 (full shape: (3, 2), per-dimension tiling factors: [4, 1] should evenly divide the shape)");
    expect(f(np.arange(16).astype("float32").reshape([4, 4])).tolistSync()).toEqual(np.arange(16).astype("float32").reshape([4, 4]).mul(2).tolistSync());
    expect(() => jax.jit((x: Array) => x, { inShardings: 3 as any })(np.ones([2]))).toThrowError(TypeError, /jit in_shardings must be Shardings/);
  });
});
