// `npm run demo` (after `npm run build`): webjax doing real work on every backend that
// initialises here: an eager add, a jitted program, and the jaxpr jit traced.
import * as jax from "../dist/webjax.mjs";

const np = jax.numpy;
const names = await jax.init();
console.log(`backends: ${names.join(", ")}`);

const a = [1, 2, 3, 4, 5, 6, 7, 8];
const b = [0.5, -1, 10, 100, -0.25, 3, 0, -8];
const f = jax.jit((x, y) => np.tanh(x.mul(0.1)).mul(y).add(x).sum());
console.log(`a = [${a.join(", ")}]\nb = [${b.join(", ")}]`);
console.log(`f = jit((x, y) => sum(tanh(0.1 x) * y + x)), traced once:\n${jax.makeJaxpr(f)(np.array(a), np.array(b))}`);

for (const name of names) {
  const x = np.array(a, { device: name });
  const y = np.array(b, { device: name });
  const sum = x.add(y);
  const extra = name === "wasm" ? ` (${jax.getBackend("wasm").runtime.variant}, ${jax.getBackend("wasm").runtime.threads} threads)` : "";
  console.log(`${name}${extra}: a + b = [${(await sum.data()).join(", ")}]   f(a, b) = ${f(x, y).item()}`);
}
// The wasm worker pool parks threads in Atomics.wait; Node exits once the work is done.
