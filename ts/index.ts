// webjax public entry: `import * as jax from "webjax"` or `import { numpy as np } from "webjax"`.

import { CpuBackend } from "./backends/cpu/index.js";
import * as arrayModule from "./core/array.js";
import * as backendModule from "./core/backend.js";
import { registerBackend, BackendName, Device } from "./core/backend.js";
import * as wasmRuntime from "./backends/wasm/runtime.js";
import * as initModule from "./init.js";
import { declare, describeSignature } from "./core/signature.js";
import { Array, ConcreteArray } from "./core/array.js";
import { DeviceLike, resolveDevice, transfer, transferAsync } from "./core/trace.js";
import { NamedSharding as NamedShardingClass, Sharding, SingleDeviceSharding as SingleDeviceShardingClass } from "./core/sharding.js";
import { ShardedArray, shardArray } from "./sharding/array.js";
import * as treeUtil from "./core/tree.js";
import * as numpy from "./numpy/index.js";

registerBackend(new CpuBackend(), true);

export { numpy };
export * as lax from "./lax/index.js";
export * as random from "./random/index.js";
export * as tree from "./tree/index.js";
export { Array } from "./core/array.js";
export type { ArrayLike, AtGetOptions, AtIndexer, AtUpdateOptions, Axis, IndexSpec, ItemOf, NestedArray, ReduceOptions } from "./core/array.js";
export type { TypedArray } from "./core/dtype.js";
export type { JitOptions } from "./transforms/jit.js";
export type { ArrayOptions } from "./numpy/convert.js";
export type { DeviceLike } from "./core/trace.js";
export { Device } from "./core/backend.js";
export * as sharding from "./sharding/index.js";
export { makeMesh, P } from "./sharding/index.js";
export { Shard } from "./core/array.js";
export type { MemoryStats } from "./core/memory.js";
export type { BackendName } from "./core/backend.js";
export type { DType } from "./core/dtype.js";
export { ClosedJaxpr, Jaxpr } from "./core/jaxpr.js";
export { ShapedArray } from "./core/aval.js";
export { ConcretizationTypeError, UnboundAxisError, UnexpectedTracerError, ValueError } from "./core/errors.js";
export { jit, makeJaxpr, evalShape, ShapeDtypeStruct } from "./transforms/jit.js";
export { jvp } from "./transforms/jvp.js";
export { vjp, linearize, linearTranspose } from "./transforms/transpose.js";
export { grad, valueAndGrad, jacfwd, jacrev, jacobian, hessian, fwdAndBwd } from "./transforms/grad.js";
export type { GradOptions, JacOptions } from "./transforms/grad.js";
export type { Argnums, Grad, ValueAndGrad, Jacobian, Jvp, Vjp, Vmap, Linearize, LinearTranspose } from "./transforms/types.js";
export type { Leaf, Lifted, Tangent, LeafLike, LeafOf, MapLeaves } from "./core/tree_types.js";
export { vmap } from "./transforms/vmap.js";
export { shardMap } from "./transforms/shard_map.js";
export { pmap } from "./transforms/pmap.js";
export type { PmapOptions } from "./transforms/pmap.js";
export type { ShardMapOptions } from "./transforms/shard_map.js";
import "./sharding/run.js";
export { checkpoint, remat, checkpointName, checkpointPolicies } from "./transforms/checkpoint.js";
export type { CheckpointPolicy, CheckpointOptions } from "./transforms/checkpoint.js";
export { customJvp, customVjp, customGradient, closureConvert, SymbolicZero } from "./transforms/custom.js";
export { stopGradient } from "./transforms/stop_gradient.js";
export { pureCallback, effectsBarrier } from "./transforms/callback.js";
export type { PureCallbackOptions, VmapMethod } from "./transforms/callback.js";
export { namedCall, namedScope } from "./transforms/named.js";
export * as profiler from "./profiler/index.js";
export type { VmapOptions } from "./transforms/vmap.js";
export type { InitOptions } from "./init.js";
export { config } from "./core/config.js";
import type { WasmRuntime } from "./backends/wasm/runtime.js";
export type { WasmRuntime };


function devicePutLeaf(x: unknown, device: DeviceLike | Sharding | undefined): unknown {
  const a = x instanceof Array ? x : numpy.array(x as number);
  const c = a.toConcrete();
  if (!c) return a;
  if (device === undefined) return transfer(c as ConcreteArray, getBackend());
  if (device instanceof NamedShardingClass) return shardArray(c, device, (name) => getBackend(name));
  if (device instanceof SingleDeviceShardingClass) device = device.device;
  const { backend, id } = resolveDevice(device as DeviceLike);
  // A sharded array becomes one array on that device; any other is moved there (or, there
  // already, committed in place, as main's transfer does).
  if (c instanceof ShardedArray) return new ConcreteArray(c.aval, backend, backend.put(c.readSync(), c.aval, id), true, true);
  return transfer(c, backend, id);
}

const isPlacement = (d: unknown): d is DeviceLike | Sharding | undefined => d === undefined || typeof d === "string" || d instanceof Device || d instanceof NamedShardingClass || d instanceof SingleDeviceShardingClass;

/**
 * Copies an array (or each array of a pytree) to a device (`"cpu"`, `"wasm"`, `"webgpu"`, a
 * Device), or lays it out over devices by a sharding, and commits it there: computations on it
 * run where it is. Moving off WebGPU reads back, which is asynchronous: use `devicePutAsync`.
 * @example jax.devicePut(x, jax.devices()[1])                           // on wasm:1
 * @example jax.devicePut(x, jax.sharding.NamedSharding(mesh, P("x")))   // split over mesh axis x
 */
export const devicePut = declare("jax.devicePut", "x, device?", "", function devicePut(x: any, device?: DeviceLike | Sharding | any): any {
  if (x instanceof Array || typeof x === "number" || typeof x === "boolean") return devicePutLeaf(x, isPlacement(device) ? device : treeUtil.leaves(device)[0]);
  if (isPlacement(device)) return treeUtil.map((l: unknown) => devicePutLeaf(l, device), x);
  // A pytree of placements, a prefix of x's.
  const places = treeUtil.broadcastPrefix(device, x, "jax.devicePut device", undefined, (d: unknown) => isPlacement(d) || d === null);
  const [leaves, def] = treeUtil.flatten(x);
  return treeUtil.unflatten(def, leaves.map((l, i) => devicePutLeaf(l, places[i] ?? undefined)));
}) as {
  <T extends Array>(x: T | number, device?: DeviceLike | Sharding): Array;
  <T>(x: T, device?: unknown): T;
};

/** `devicePutLeaf` for an array that may be on WebGPU: its values come back asynchronously first. */
async function devicePutLeafAsync(x: unknown, device: DeviceLike | Sharding | undefined): Promise<unknown> {
  const c = x instanceof Array ? x.toConcrete() : null;
  if (!c || c.backend.syncReads) return devicePutLeaf(x, device);
  if (device instanceof NamedShardingClass) return devicePutLeaf(await transferAsync(c, getBackend(device.mesh.deviceList[0].platform), 0, false), device);
  if (device instanceof SingleDeviceShardingClass) device = device.device;
  const { backend, id } = device === undefined ? { backend: getBackend(), id: 0 } : resolveDevice(device as DeviceLike);
  return transferAsync(c, backend, id);
}

/**
 * `devicePut` from any backend, WebGPU included (its values come back asynchronously).
 * @example const onWasm = await jax.devicePutAsync(gpuArray, "wasm")
 */
export const devicePutAsync = declare("jax.devicePutAsync", "x, device?", "", async function devicePutAsync(x: any, device?: DeviceLike | Sharding | any): Promise<any> {
  if (x instanceof Array || typeof x === "number" || typeof x === "boolean") return devicePutLeafAsync(x, isPlacement(device) ? device : treeUtil.leaves(device)[0]);
  const [leaves, def] = treeUtil.flatten(x);
  const places = isPlacement(device) ? leaves.map(() => device) : treeUtil.broadcastPrefix(device, x, "jax.devicePutAsync device", undefined, (d: unknown) => isPlacement(d) || d === null);
  return treeUtil.unflatten(def, await Promise.all(leaves.map((l, i) => devicePutLeafAsync(l, places[i] ?? undefined))));
}) as {
  <T extends Array>(x: T | number, device?: DeviceLike | Sharding): Promise<Array>;
  <T>(x: T, device?: unknown): Promise<T>;
};

/** Resolves once every array in the pytree is computed. @example await jax.blockUntilReady(f(x)) */
export const blockUntilReady = declare("jax.blockUntilReady", "x", "", async function blockUntilReady<T>(x: T): Promise<T> {
  await Promise.all([...new Set(treeUtil.leaves(x).flatMap((l) => (l instanceof ConcreteArray ? [l.backend] : [])))].map((b) => b.synchronize()));
  return x;
});

// The runtime's entry points, checked like every other export (their implementations live
// with the backends and the array class).

/**
 * Runs `fn` and disposes every array it created that is not part of its result.
 * @example const y = jax.tidy(() => np.sin(x).mul(2));   // the sin intermediate is freed now
 */
export const tidy: <T>(fn: () => T) => T = declare("jax.tidy", "fn:fn", "", arrayModule.tidy);
/**
 * The arrays that hold device memory now (JAX's `jax.live_arrays()`), as views of the same data.
 * @example for (const x of jax.liveArrays()) x.dispose();
 */
export const liveArrays: (platform?: BackendName) => Array[] = declare("jax.liveArrays", "platform?", "", arrayModule.liveArrays);
/** The devices of a backend (the default one unless named). @example jax.devices("cpu") */
export const devices: (backend?: BackendName) => Device[] = declare("jax.devices", "backend?", "", backendModule.listDevices);
/** How many devices a backend has (the default one unless named); one process holds them all. @example jax.deviceCount()   // 4 after jax.init({devices: 4}) */
export const deviceCount: (backend?: BackendName) => number = declare("jax.deviceCount", "backend?", "", (backend?: BackendName) => backendModule.listDevices(backend).length);
/** `deviceCount`: every device is local to this process (JAX's `local_device_count`). @example jax.pmap(f)(np.ones([jax.localDeviceCount(), 3])) */
export const localDeviceCount: (backend?: BackendName) => number = declare("jax.localDeviceCount", "backend?", "", (backend?: BackendName) => backendModule.listDevices(backend).length);
/** The name of the default backend. @example jax.defaultBackend()   // "wasm" after init */
export const defaultBackend: () => BackendName = declare("jax.defaultBackend", "", "", backendModule.defaultBackend);
/** Makes a registered backend the default. @example jax.setDefaultBackend("cpu") */
export const setDefaultBackend: (name: BackendName) => void = declare("jax.setDefaultBackend", "name", "", backendModule.setDefaultBackend);
/** A registered backend by name (the default one without a name). @example jax.getBackend("cpu") */
export const getBackend: (name?: BackendName | string | null) => backendModule.Backend = declare("jax.getBackend", "name?", "", backendModule.getBackend);
/** Loads (once per options) the best wasm variant this engine can run. @example await jax.loadWasmRuntime() */
export const loadWasmRuntime: (opts?: { threads?: boolean | number; relaxedSimd?: boolean }) => Promise<WasmRuntime> = declare("jax.loadWasmRuntime", "", "threads relaxedSimd", wasmRuntime.loadWasmRuntime);
/** Where the wasm files are served from (a prefix, or a map of file names to URLs). @example jax.setWasmPaths("/assets/") */
export const setWasmPaths: (paths: string | Record<string, string>) => void = declare("jax.setWasmPaths", "paths", "", wasmRuntime.setWasmPaths);
// init checks its options object itself (one InitOptions; see init.ts).
/**
 * Starts the backends this runtime supports and makes the fastest the default (webgpu on a
 * hardware adapter, else wasm); resolves to their names. Without it, the first operation starts
 * wasm itself where it can (see init.ts); WebGPU starts only here.
 * @example await jax.init()                                   // ["cpu", "wasm"], plus "webgpu" where the engine has an adapter
 * @example await jax.init({ threads: 1, memoryLimit: 2 ** 29 })
 * @example await jax.init({ devices: 4 })                     // jax.devices(): wasm:0 ... wasm:3
 */
export const init = describeSignature(initModule.init, "jax.init", "", "threads devices relaxedSimd memoryLimit wasmModule allowFallback webgpu");
