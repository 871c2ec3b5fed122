// Meshes, PartitionSpecs and NamedShardings against JAX 0.10.2 (tests/golden/pmap.ts): printed
// forms, the shard each device holds, and devicePut(x, sharding) laying real data out that way.
import * as jax from "../../ts/index.js";
import { Array } from "../../ts/index.js";
import { SHARDINGS } from "../golden/pmap.js";

const np = jax.numpy;
const { Mesh, NamedSharding, PartitionSpec, P, SingleDeviceSharding } = jax.sharding;

describe("sharding metadata", () => {
  it("Mesh, makeMesh, P and NamedSharding print as JAX's", () => {
    const d = jax.devices();
    const mesh = Mesh([[d[0], d[1]], [d[2], d[3]]], ["x", "y"]);
    expect(String(mesh)).toBe("Mesh('x': 2, 'y': 2, axis_types=(Auto, Auto))");
    expect(mesh).toBeInstanceOf(Mesh);
    expect(new Mesh(d.slice(0, 4), "a").shape).toEqual({ a: 4 });
    expect(mesh.size).toBe(4);
    expect((mesh.devices as jax.Device[][]).map((r) => r.map(String))).toEqual([["wasm:0", "wasm:1"], ["wasm:2", "wasm:3"]]);
    expect(String(P("a", null, ["a", "b"]))).toBe("P('a', None, ('a', 'b'))");
    expect(String(new PartitionSpec())).toBe("P()");
    expect(String(P(null))).toBe("P(None,)");
    expect(P("a", "b").equals(P("a", "b"))).toBeTrue();
    expect(P("a").equals(P("a", null))).toBeTrue();
    expect(String(SingleDeviceSharding(d[3]))).toBe("SingleDeviceSharding(device=wasm:3, memory_kind=device)");
    expect(String(np.ones([2]).sharding)).toBe("SingleDeviceSharding(device=wasm:0, memory_kind=device)");
  });

  it("JAX's errors for a bad mesh or spec", () => {
    const d = jax.devices();
    expect(() => Mesh(d.slice(0, 4), ["a", "b"])).toThrowError(jax.ValueError,
      "Mesh requires the ndim of its first argument (`devices`) to equal the length of its second argument (`axis_names`), but got devices.ndim == 1 and len(axis_names) == 2.");
    expect(() => jax.makeMesh([3, 4], ["a", "b"])).toThrowError(jax.ValueError, /^Number of devices 8 must be >= the product of mesh_shape \(3, 4\)/);
    const mesh = jax.makeMesh([2, 4], ["a", "b"]);
    expect(() => NamedSharding(mesh, P("c"))).toThrowError(jax.ValueError, "Resource axis: c of P('c',) is not found in mesh: ('a', 'b').");
    expect(() => NamedSharding(mesh, P("a", "a"))).toThrowError(jax.ValueError,
      "A single NamedSharding spec specification can map every mesh axis to at most one positional dimension, but P('a', 'a') has duplicate entries for `a`");
    expect(() => jax.devicePut(np.arange(3), NamedSharding(mesh, P("a")))).toThrowError(jax.ValueError,
      /^Sharding spec \('a',\) implies that array axis 0 is partitioned 2 times, but does not evenly divide the dimension size 3\. Got shape: \(3,\)/);
    expect(() => jax.devicePut(np.arange(4), NamedSharding(mesh, P(null, "a")))).toThrowError(jax.ValueError, /has 2 entries but the array of shape \(4,\) has rank 1/);
    expect(() => (jax.sharding as any).Mesh(d, ["a"], { axisType: "Auto" })).toThrowError(TypeError, /unexpected keyword argument 'axisType'.*did you mean 'axisTypes'/);
  });

  for (const c of SHARDINGS) {
    it(`${c.repr} over shape [${c.shape}]: each device's shard as JAX's`, () => {
      const mesh = jax.makeMesh(c.mesh, c.names);
      const s = NamedSharding(mesh, P(...c.spec));
      expect(String(s)).toBe(c.repr);
      expect(String(mesh)).toBe(c.meshRepr);
      expect(String(s.spec)).toBe(c.specRepr);
      expect(s.shardShape(c.shape)).toEqual(c.shardShape);
      const n = c.shape.reduce((a, b) => a * b, 1);
      const whole = np.arange(n).astype("float32").reshape(c.shape);
      const x = jax.devicePut(whole, s);
      expect(x.sharding).toBe(s);
      expect(String(x.device)).toBe(String(s)); // JAX: a sharded array's .device is its sharding
      const shards = x.addressableShards;
      expect(shards.map((sh) => [sh.device.id, sh.index, sh.replicaId])).toEqual(c.shards);
      for (const sh of shards) {
        expect(String(sh.data.device)).toBe(String(sh.device));
        expect(sh.data.shape).toEqual(c.shardShape);
        // The shard's data is the slice of the whole that its index names.
        expect(sh.data.tolistSync()).toEqual(whole.slice(...(sh.index as any[])).tolistSync());
      }
      expect(x.tolistSync()).toEqual(whole.tolistSync());
      // Used by an ordinary operation, it is the whole array.
      expect((x as Array).add(1).tolistSync()).toEqual(whole.add(1).tolistSync());
    });
  }

  it("devicePut of a pytree; to a SingleDeviceSharding; a sharded array moved back to one device", async () => {
    const mesh = jax.makeMesh([4], ["i"]);
    const tree = jax.devicePut({ a: np.arange(8), b: [np.ones([4, 2])] }, NamedSharding(mesh, P("i")));
    expect(String(tree.a.sharding)).toBe("NamedSharding(mesh=Mesh('i': 4, axis_types=(Explicit,)), spec=P('i',), memory_kind=device)");
    expect(tree.b[0].addressableShards.map((s: jax.Shard) => s.data.shape)).toEqual([[1, 2], [1, 2], [1, 2], [1, 2]]);
    expect(await tree.a.tolist()).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    const one = jax.devicePut(tree.a, SingleDeviceSharding(jax.devices()[2]));
    expect(String(one.device)).toBe("wasm:2");
    expect(one.tolistSync()).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(jax.devicePut(tree.a, NamedSharding(mesh, P("i")))).toBe(tree.a); // already laid out so
  });

  it("shards are owned by their devices' memory: dispose and tidy free them", () => {
    const mesh = jax.makeMesh([2], ["i"]);
    const count = () => jax.devices().slice(0, 2).map((d) => d.memoryStats()!.numArrays);
    const [a, b] = [np.ones([4, 4]), np.ones([2])];
    const before = count();
    const x = jax.devicePut(a, NamedSharding(mesh, P("i")));
    expect(count()).toEqual([before[0] + 1, before[1] + 1]);
    x.dispose();
    expect(count()).toEqual(before);
    const kept = jax.tidy(() => {
      jax.devicePut(b, NamedSharding(mesh, P("i"))); // dropped: freed by tidy
      return jax.devicePut(b, NamedSharding(mesh, P()));
    });
    expect(count()).toEqual([before[0] + 1, before[1] + 1]);
    expect(kept.tolistSync()).toEqual([1, 1]);
    kept.dispose();
    expect(count()).toEqual(before);
  });
});
