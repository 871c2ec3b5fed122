// webjax public entry: `import * as jax from "webjax"` or `import { numpy as np } from "webjax"`.

import { CpuBackend } from "./backends/cpu/index.js";
import * as arrayModule from "./core/array.js";
import * as backendModule from "./core/backend.js";
import { registerBackend, BackendName, Device } from "./core/backend.js";
import * as wasmRuntime from "./backends/wasm/runtime.js";
import * as initModule from "./init.js";
import { declare, describeSignature } from "./core/signature.js";
import { Array, ConcreteArray } from "./core/array.js";
import { transfer, transferAsync } from "./core/trace.js";
import * as treeUtil from "./core/tree.js";
import * as numpy from "./numpy/index.js";

registerBackend(new CpuBackend(), true);

export { numpy };
export * as lax from "./lax/index.js";
export * as random from "./random/index.js";
export * as tree from "./tree/index.js";
export { Array } from "./core/array.js";
export type { ArrayLike, Axis, ItemOf, ReduceOptions } from "./core/array.js";
export { Device } from "./core/backend.js";
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
export type { WasmRuntime } from "./backends/wasm/runtime.js";


/**
 * Puts an array on a device (`"cpu"`, `"wasm"`, `"webgpu"`, or a Device) and commits it there:
 * computations on committed arrays run on their device. Moving off WebGPU reads back, which is
 * asynchronous: use `devicePutAsync` for that.
 * @example jax.devicePut(x, "webgpu")
 */
export const devicePut = declare("jax.devicePut", "x, device?", "", function devicePut<T extends Array>(x: T | number, device?: BackendName | { platform: BackendName }): Array {
  const a = x instanceof Array ? x : numpy.array(x);
  const c = a.toConcrete();
  if (!c) return a;
  const target = getBackend(device === undefined ? undefined : typeof device === "string" ? device : device.platform);
  if (c.backend === target) {
    c.committed = true;
    return c;
  }
  return transfer(c as ConcreteArray, target, true);
});

/**
 * `devicePut` from any backend, WebGPU included (its values come back asynchronously).
 * @example const onWasm = await jax.devicePutAsync(gpuArray, "wasm")
 */
export const devicePutAsync = declare("jax.devicePutAsync", "x, device?", "", async function devicePutAsync<T extends Array>(x: T | number, device?: BackendName | { platform: BackendName }): Promise<Array> {
  const a = x instanceof Array ? x : numpy.array(x);
  const c = a.toConcrete();
  if (!c) return a;
  const target = getBackend(device === undefined ? undefined : typeof device === "string" ? device : device.platform);
  if (c.backend === target) {
    c.committed = true;
    return c;
  }
  return transferAsync(c as ConcreteArray, target, true);
});

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
/** The name of the default backend. @example jax.defaultBackend()   // "wasm" after init */
export const defaultBackend: () => BackendName = declare("jax.defaultBackend", "", "", backendModule.defaultBackend);
/** Makes a registered backend the default. @example jax.setDefaultBackend("cpu") */
export const setDefaultBackend: (name: BackendName) => void = declare("jax.setDefaultBackend", "name", "", backendModule.setDefaultBackend);
/** A registered backend by name (the default one without a name). @example jax.getBackend("cpu") */
export const getBackend: (name?: BackendName | string | null) => backendModule.Backend = declare("jax.getBackend", "name?", "", backendModule.getBackend);
/** Loads (once per options) the best wasm variant this engine can run. @example await jax.loadWasmRuntime() */
export const loadWasmRuntime: typeof wasmRuntime.loadWasmRuntime = declare("jax.loadWasmRuntime", "", "threads relaxedSimd", wasmRuntime.loadWasmRuntime);
/** Where the wasm files are served from (a prefix, or a map of file names to URLs). @example jax.setWasmPaths("/assets/") */
export const setWasmPaths: typeof wasmRuntime.setWasmPaths = declare("jax.setWasmPaths", "paths", "", wasmRuntime.setWasmPaths);
// init checks its options object itself (one InitOptions; see init.ts).
export const init = describeSignature(initModule.init, "jax.init", "", "threads relaxedSimd memoryLimit webgpu");
