// The virtual module rollup.config.mjs builds for ts/inline.ts: each wasm/ variant as base64.
declare module "webjax:inline-wasm" {
  const variants: Partial<Record<"webjax-relaxed-threads.wasm" | "webjax-simd-threads.wasm" | "webjax-simd.wasm", string>>;
  export default variants;
}
