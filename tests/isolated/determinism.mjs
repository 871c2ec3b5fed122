// isolated: node deno timeout=240
// Issue 17 item 7: results do not depend on the thread count. For each wasm variant this
// engine runs, random reductions and matmuls (seeded) give the same bits with 1, 2, 3 and 4
// threads; with relaxedSimd: false they are also the bits of the single-threaded variant and
// (run under Deno) of Node's: no relaxed FMA, so every machine agrees. Each variant runs in a
// child process (jax.init takes one set of options); thread counts change in the child.
import { assert, check, done, runtime, webjax } from "./harness.mjs";

const self = new URL(import.meta.url).pathname;
const childArg = (globalThis.Deno ? Deno.args : process.argv.slice(2)).find((a) => a.startsWith("--child="));

/** The seeded cases: [name, () => typed array]. */
function cases(np) {
  let seed = 7;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const data = (n, dtype = "float32") => np.array(Float64Array.from({ length: n }, () => rand() * 2 - 1), { dtype });
  const out = [];
  for (const n of [1 << 16, 100_003, 1 << 20, 3_000_001]) {
    out.push([`sum f32 ${n}`, () => data(n).sum()]);
    out.push([`max f32 ${n}`, () => data(n).max()]);
    out.push([`fused sum f32 ${n}`, () => webjax.jit((x) => np.tanh(x.mul(3)).add(x).sum())(data(n))]);
    out.push([`sum f64 ${n}`, () => data(n, "float64").sum()]);
  }
  out.push(["row sums f32 [64, 40000]", () => data(64 * 40000).reshape([64, 40000]).sum({ axis: 1 })]);
  out.push(["column sums f32 [3000, 700]", () => data(3000 * 700).reshape([3000, 700]).sum({ axis: 0 })]);
  out.push(["mean f32 [5, 300000] axis 1", () => data(5 * 300000).reshape([5, 300000]).mean({ axis: 1 })]);
  for (const [m, k, n] of [[256, 256, 256], [1, 4096, 1024], [1000, 300, 7], [97, 1300, 770], [513, 129, 1025]]) {
    out.push([`matmul f32 ${m}x${k}x${n}`, () => np.matmul(data(m * k).reshape([m, k]), data(k * n).reshape([k, n]))]);
  }
  out.push(["batched matmul f32 [6, 200, 300] x [6, 300, 150]", () => np.matmul(data(6 * 200 * 300).reshape([6, 200, 300]), data(6 * 300 * 150).reshape([6, 300, 150]))]);
  out.push(["matmul f64 300x500x200", () => np.matmul(data(300 * 500, "float64").reshape([300, 500]), data(500 * 200, "float64").reshape([500, 200]))]);
  return out;
}

// FNV-1a over the result's bytes.
function digest(a) {
  const b = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  let h = 0x811c9dc5;
  for (let i = 0; i < b.length; i++) h = Math.imul(h ^ b[i], 0x01000193) >>> 0;
  return h.toString(16).padStart(8, "0");
}

if (childArg) {
  // A child: one variant; prints {variant, threads: {n: [digests]}, firstSum}.
  const opts = JSON.parse(childArg.slice(8));
  await webjax.init(opts);
  const np = webjax.numpy;
  const rt = await webjax.loadWasmRuntime({ threads: opts.threads === 1 ? false : opts.threads, relaxedSimd: opts.relaxedSimd });
  const result = { variant: rt.variant, threads: {}, check: [] };
  const counts = rt.variant === "simd" ? [1] : [1, 2, 3, 4].filter((n) => n <= rt.threads);
  for (const n of counts) {
    rt.kernels.setNumThreads(n);
    result.threads[n] = cases(np).map(([, f]) => digest(f().dataSync()));
  }
  // A float64 check of the first case, so that equal bits are also right ones.
  let seed = 7;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  let exact = 0;
  for (let i = 0; i < 1 << 16; i++) exact += Math.fround(rand() * 2 - 1);
  result.check = [cases(np)[0][1]().item(), exact];
  console.log(`CHILD ${JSON.stringify(result)}`);
  globalThis.Deno ? Deno.exit(0) : process.exit(0);
}

/** Runs a child for `opts` under `engine` and returns its result. */
async function child(engine, opts) {
  const { spawnSync } = await import("node:child_process");
  const arg = `--child=${JSON.stringify(opts)}`;
  const [cmd, args] = engine === "node" ? ["node", [self, arg]] : [new URL("../../node_modules/.bin/deno", import.meta.url).pathname, ["run", "-A", self, arg]];
  const r = spawnSync(cmd, args, { encoding: "utf8", timeout: 100_000 });
  const line = (r.stdout ?? "").split("\n").find((l) => l.startsWith("CHILD "));
  if (!line) throw new Error(`${engine} child ${arg} printed no result (status ${r.status}): ${r.stderr?.slice(-500)}`);
  return JSON.parse(line.slice(6));
}

const names = cases(webjax.numpy).map(([n]) => n);
const sameBits = (label, a, b) => {
  const bad = names.filter((_, i) => a[i] !== b[i]);
  assert(bad.length === 0, `${label}: different bits for ${bad.join("; ")}`);
};
const variants = {};

for (const relaxedSimd of [false, true]) {
  await check(`${runtime}, relaxedSimd: ${relaxedSimd}: the same bits with 1, 2, 3 and 4 threads`, async () => {
    const r = await child(runtime, { threads: 4, relaxedSimd });
    variants[relaxedSimd] = r;
    // init({relaxedSimd}) picks the variant: never the relaxed one when false; Deno has relaxed SIMD.
    if (!relaxedSimd) assert(r.variant === "simd-threads", `relaxedSimd: false loaded ${r.variant}`);
    if (relaxedSimd && runtime === "deno") assert(r.variant === "relaxed-threads", `relaxedSimd: true in Deno loaded ${r.variant}`);
    const counts = Object.keys(r.threads);
    assert(counts.length === 4, `${r.variant} ran with ${counts.join(", ")} threads only`);
    for (const n of counts) sameBits(`${r.variant} with ${n} vs 1 threads`, r.threads[n], r.threads[1]);
    const [got, exact] = r.check;
    assert(Math.abs(got - exact) <= 1e-5 * 256, `sum of 2^16 uniforms: ${got}, float64 ${exact}`);
    return `${r.variant}; ${names.length} cases`;
  });
}

await check(`relaxedSimd: false gives the bits of the single-threaded variant${runtime === "deno" ? " and of Node" : ""}`, async () => {
  const plain = variants[false];
  assert(plain, "the relaxedSimd: false child did not run");
  const single = await child(runtime, { threads: 1 });
  assert(single.variant === "simd", `threads: 1 loaded ${single.variant}`);
  sameBits(`simd vs ${plain.variant}`, single.threads[1], plain.threads[1]);
  if (runtime === "deno") {
    const node = await child("node", { threads: 4, relaxedSimd: false });
    sameBits(`Deno ${plain.variant} vs Node ${node.variant}`, plain.threads[1], node.threads[1]);
  }
});

done();
