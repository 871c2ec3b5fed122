// `npm run demo` (after `npm run build`): the add of two small arrays on every backend
// that initialises here. It grows with the library.
import * as webjax from "../dist/webjax.mjs";

const a = Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8]);
const b = Float32Array.from([0.5, -1, 10, 100, -0.25, 3, 0, -8]);
console.log(`a = [${a.join(", ")}]`);
console.log(`b = [${b.join(", ")}]`);

const backends = [
  ["wasm (threads)", () => webjax.loadWasmRuntime({ threads: true })],
  ["wasm (single-threaded)", () => webjax.loadWasmRuntime({ threads: false })],
];
let ran = 0;
for (const [label, load] of backends) {
  try {
    const rt = await load();
    const sum = rt.addF32(a, b);
    console.log(`${label.padEnd(24)} wasm ${rt.variant}, ${rt.threads} thread${rt.threads === 1 ? "" : "s"}: a + b = [${sum.join(", ")}]`);
    ran++;
  } catch (err) {
    console.log(`${label.padEnd(24)} did not initialise: ${err?.message ?? err}`);
  }
}
process.exitCode = ran > 0 ? 0 : 1;
