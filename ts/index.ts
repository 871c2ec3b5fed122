// webjax public entry. The tracing core and the numpy/lax surface land here (issue 3).
export { loadWasmRuntime, setWasmPaths } from "./backends/wasm/runtime.js";
export type { WasmRuntime } from "./backends/wasm/runtime.js";
