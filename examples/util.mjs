// What every example shares: the --quick flag (CI's small size), a progress bar (a line per
// tenth of the run when the output is not a terminal), checks that fail the run, and a line
// saying where the example ran. Works in Node and in Deno without any permission flag.
import * as jax from "webjax/inline";

/** `--quick`: a small size, for CI (each example still checks that its result makes sense). */
export const quick = (globalThis.Deno?.args ?? process.argv.slice(2)).includes("--quick");

const tty = globalThis.Deno ? Deno.stdout.isTerminal() : !!process.stdout.isTTY;
const write = (s) => (globalThis.Deno ? Deno.stdout.writeSync(new TextEncoder().encode(s)) : process.stdout.write(s));

/** Starts the wasm backend (all cores) and prints where the example runs. */
export async function start(title) {
  await jax.init();
  const rt = jax.getBackend().runtime;
  const where = rt ? `wasm ${rt.variant}, ${rt.threads} thread${rt.threads > 1 ? "s" : ""}` : jax.defaultBackend();
  const engine = globalThis.Deno ? `Deno ${Deno.version.deno}` : `Node ${process.versions.node}`;
  console.log(`${title}\n(${engine}, ${where}${quick ? ", --quick" : ""})`);
}

/**
 * Reports step `i` of `n` (0-based): a bar redrawn in place on a terminal, else a line at each
 * tenth of the run. `info` is what to show beside it ("loss 0.123").
 */
export function progress(i, n, info) {
  const done = i + 1;
  if (tty) {
    const width = 30;
    const full = Math.round((width * done) / n);
    write(`\r[${"#".repeat(full)}${".".repeat(width - full)}] ${String(done).padStart(String(n).length)}/${n}  ${info}   `);
    if (done === n) write("\n");
  } else if (done === n || done === 1 || Math.floor((10 * done) / n) > Math.floor((10 * i) / n)) {
    console.log(`  step ${String(done).padStart(String(n).length)}/${n}  ${info}`);
  }
}

let failures = 0;

/** One check of the result: printed, and the run fails (exit status 1) if it does not hold. */
export function check(ok, what) {
  console.log(`  ${ok ? "ok  " : "FAIL"} ${what}`);
  if (!ok) failures++;
}

/** Relative difference of two numbers or flat arrays of numbers (max over elements). */
export function relErr(a, b) {
  const xs = [a].flat(Infinity), ys = [b].flat(Infinity);
  let worst = 0;
  for (let i = 0; i < xs.length; i++) worst = Math.max(worst, Math.abs(xs[i] - ys[i]) / Math.max(1e-6, Math.abs(ys[i])));
  return worst;
}

/** Ends the example: exit status 1 if a check failed. */
export function finish() {
  if (failures) {
    console.log(`${failures} check${failures > 1 ? "s" : ""} FAILED`);
    (globalThis.Deno ?? process).exit(1);
  }
  console.log("all checks passed");
}

/** Adam (Kingma & Ba) over a pytree of parameters, written with jax.tree.map. */
export function adam(lr, { b1 = 0.9, b2 = 0.999, eps = 1e-8 } = {}) {
  const np = jax.numpy;
  return {
    init: (params) => ({ m: jax.tree.map((p) => np.zerosLike(p), params), v: jax.tree.map((p) => np.zerosLike(p), params), t: np.zeros([]) }),
    /** One step (jit it with the gradient): returns [newParams, newState]. */
    update(grads, state, params) {
      const t = state.t.add(1);
      const m = jax.tree.map((m, g) => m.mul(b1).add(g.mul(1 - b1)), state.m, grads);
      const v = jax.tree.map((v, g) => v.mul(b2).add(g.mul(g).mul(1 - b2)), state.v, grads);
      const c1 = np.subtract(1, np.power(b1, t)), c2 = np.subtract(1, np.power(b2, t));
      const next = jax.tree.map((p, m, v) => p.sub(m.div(c1).mul(lr).div(np.sqrt(v.div(c2)).add(eps))), params, m, v);
      return [next, { m, v, t }];
    },
  };
}
