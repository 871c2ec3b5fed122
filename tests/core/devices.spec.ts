// Devices (`jax.init({devices})`): JAX's placement rules for committed arrays, and memory owned
// per device. The spec process starts with TEST_DEVICES devices (tests/helpers/devices.ts).
import * as jax from "../../ts/index.js";
import { ConcreteArray } from "../../ts/core/array.js";
import { TEST_DEVICES } from "../helpers/devices.js";

const np = jax.numpy;

describe("devices", () => {
  it("jax.devices() lists the default backend's devices wasm:0 ... wasm:N-1; cpu has one", () => {
    const ds = jax.devices();
    expect(ds.length).toBe(TEST_DEVICES);
    expect(ds.map(String)).toEqual(Array.from({ length: TEST_DEVICES }, (_, i) => `wasm:${i}`));
    expect(ds.map((d) => [d.platform, d.id])).toEqual(Array.from({ length: TEST_DEVICES }, (_, i) => ["wasm", i]));
    expect(jax.devices()[3]).toBe(ds[3]); // one object per device
    expect(jax.devices("cpu").map(String)).toEqual(["cpu:0"]);
  });

  it("devicePut(x, device) copies to that device and commits it; memory is counted there", () => {
    const d3 = jax.devices()[3];
    const before = d3.memoryStats()!;
    const x = np.arange(1000).astype("float32");
    const y = jax.devicePut(x, d3) as ConcreteArray;
    expect(String(y.device)).toBe("wasm:3");
    expect(y.committed).toBeTrue();
    expect((x as ConcreteArray).committed).toBeFalse();
    expect(Array.from(y.dataSync())).toEqual(Array.from(x.dataSync()));
    expect(d3.memoryStats()!.numArrays).toBe(before.numArrays + 1);
    expect(d3.memoryStats()!.bytesInUse).toBeGreaterThanOrEqual(before.bytesInUse + 4000);
    expect(jax.liveArrays().some((a) => String(a.device) === "wasm:3" && a.size === 1000)).toBeTrue();
    y.dispose();
    expect(d3.memoryStats()!.numArrays).toBe(before.numArrays);
    expect(d3.memoryStats()!.bytesLimit).toBe(jax.devices()[0].memoryStats()!.bytesLimit);
  });

  it("computations run where committed arguments are; results are committed there", () => {
    const d2 = jax.devices()[2];
    const a = jax.devicePut(np.array([1, 2, 3]), d2);
    const b = np.array([10, 20, 30]); // uncommitted: goes where the computation runs
    const c = a.add(b) as ConcreteArray;
    expect(String(c.device)).toBe("wasm:2");
    expect(c.committed).toBeTrue();
    expect(c.tolistSync()).toEqual([11, 22, 33]);
    const j = jax.jit((x: jax.Array, y: jax.Array) => x.mul(y).sum())(b, a) as ConcreteArray;
    expect(String(j.device)).toBe("wasm:2");
    expect(j.item()).toBe(140);
    const u = b.mul(2) as ConcreteArray;
    expect(String(u.device)).toBe("wasm:0");
    expect(u.committed).toBeFalse();
  });

  it("arguments committed to different devices are JAX's error, and the runtime stays usable", () => {
    const a = jax.devicePut(np.ones([3]), jax.devices()[1]);
    const b = jax.devicePut(np.ones([3]), jax.devices()[2]);
    expect(() => a.add(b)).toThrowError(jax.ValueError,
      /^Received incompatible devices for jitted computation\. Got argument x of add with shape float32\[3\] and with device ids \[1\] on platform wasm and argument y of add with shape float32\[3\] and with device ids \[2\] on platform wasm\. .*devicePut/);
    const f = jax.jit(function f(x: jax.Array, y: jax.Array) { return x.add(y); });
    expect(() => f(a, b)).toThrowError(jax.ValueError, /incompatible devices.* of f with shape/);
    expect(jax.devicePut(b, jax.devices()[1]).add(a).tolistSync()).toEqual([2, 2, 2]);
  });

  it("moves between devices and backends; np.array({device}) places and commits", () => {
    const x = np.array([[1, 2], [3, 4]], { device: jax.devices()[5] }) as ConcreteArray;
    expect(String(x.device)).toBe("wasm:5");
    expect(x.committed).toBeTrue();
    const y = jax.devicePut(x, jax.devices()[6]);
    expect(String(y.device)).toBe("wasm:6");
    expect(jax.devicePut(y, jax.devices()[6])).toBe(y); // already there and committed: itself
    const c = jax.devicePut(y, "cpu");
    expect(String(c.device)).toBe("cpu:0");
    expect(c.tolistSync()).toEqual([[1, 2], [3, 4]]);
    expect(() => jax.devicePut(x, new jax.Device("wasm", TEST_DEVICES))).toThrowError(RangeError, /no device wasm:8; wasm has 8/);
  });

  it("init's devices option is checked, and cannot change once started", async () => {
    expect(() => jax.init({ devices: 0 })).toThrowError(TypeError, /devices must be an integer from 1 to 32/);
    expect(() => jax.init({ devices: 2.5 })).toThrowError(TypeError, /devices must be an integer/);
    await expectAsync(jax.init({ devices: TEST_DEVICES === 4 ? 2 : 4 })).toBeRejectedWithError(/cannot change devices now/);
    expect(await jax.init({ devices: TEST_DEVICES })).toContain("wasm");
  });
});
