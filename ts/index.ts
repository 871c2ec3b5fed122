// webjax public entry: `import * as jax from "webjax"` or `import { numpy as np } from "webjax"`.

import { CpuBackend } from "./backends/cpu/index.js";
import { registerBackend, BackendName, getBackend } from "./core/backend.js";
import { Array, ConcreteArray } from "./core/array.js";
import { transfer } from "./core/trace.js";
import * as treeUtil from "./core/tree.js";
import * as numpy from "./numpy/index.js";

registerBackend(new CpuBackend(), true);

export { numpy };
export * as lax from "./lax/index.js";
export * as random from "./random/index.js";
export const tree = treeUtil;
export { Array, tidy, liveArrays } from "./core/array.js";
export type { MemoryStats } from "./core/memory.js";
export type { ArrayLike } from "./core/array.js";
export { Device, defaultBackend, setDefaultBackend, listDevices as devices } from "./core/backend.js";
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
export { loadWasmRuntime, setWasmPaths } from "./backends/wasm/runtime.js";
export { getBackend } from "./core/backend.js";
export { init } from "./init.js";
export type { InitOptions } from "./init.js";
export { config } from "./core/config.js";
export type { WasmRuntime } from "./backends/wasm/runtime.js";


/** Copies an array to a device (`"cpu"`, `"wasm"`, or a Device). */
export function devicePut<T extends Array>(x: T | number, device?: BackendName | { platform: BackendName }): Array {
  const a = x instanceof Array ? x : numpy.array(x);
  const c = a.toConcrete();
  if (!c) return a;
  const name = device === undefined ? undefined : typeof device === "string" ? device : device.platform;
  return transfer(c as ConcreteArray, getBackend(name));
}

/** Resolves once every array in the pytree is computed. */
export async function blockUntilReady<T>(x: T): Promise<T> {
  await Promise.all([...new Set(treeUtil.leaves(x).flatMap((l) => (l instanceof ConcreteArray ? [l.backend] : [])))].map((b) => b.synchronize()));
  return x;
}
