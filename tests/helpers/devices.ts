// Loaded before every spec (jasmine `helpers`, and tests/browser/setup.ts in Chromium): the spec
// process starts the runtime with TEST_DEVICES wasm devices, so that device specs can map over
// 2, 4 and 8 of them in one process (jax.init takes its options once). Specs that call
// `jax.init()` without options find it started.
import * as jax from "../../ts/index.js";

export const TEST_DEVICES: number = 8;

beforeAll(async () => {
  await jax.init({ devices: TEST_DEVICES });
});
