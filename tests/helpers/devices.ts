// Loaded before every spec (jasmine `helpers`, and after tests/browser/setup.ts in Chromium):
// the spec process starts the runtime with TEST_DEVICES wasm devices, so that device specs can
// map over 2, 4 and 8 of them in one process (jax.init takes its options once). init is called
// when this module loads, so that no spec file's first operation starts the runtime with the
// default options; it is awaited before the first spec (a top-level await would hold karma's
// module past the point where its specs must be registered). Specs that call `jax.init()`
// without options find it started.
import * as jax from "../../ts/index.js";

export const TEST_DEVICES: number = 8;

const started = jax.init({ devices: TEST_DEVICES });

beforeAll(async () => {
  await started;
});
