// isolated: node deno timeout=120
// Issue 19 step 2: where devices cannot run programs of their own (here jax.init({threads: 1}),
// as without cross-origin isolation: the single-threaded wasm variant), pmap and shardMap run
// as vmap over the devices' shards on the calling thread, give the same values, and say so once
// (why, by name). A process of its own: jax.init takes one set of options.
import { assert, check, done, webjax as jax } from "./harness.mjs";

const infos = [];
const info = console.info;
console.info = (...a) => {
  infos.push(a.join(" "));
  info(...a);
};
await jax.init({ threads: 1, devices: 4 });
const { numpy: np, lax } = jax;
const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

await check("the runtime is single-threaded, with 4 devices", async () => {
  const rt = jax.getBackend("wasm").runtime;
  assert(rt.variant === "simd", `variant ${rt.variant}`);
  assert(same(jax.devices().map(String), ["wasm:0", "wasm:1", "wasm:2", "wasm:3"]), jax.devices().map(String).join());
});

await check("pmap with collectives gives plain loops' values, its shards on their devices", async () => {
  const x = np.arange(8).astype("float32").reshape([4, 2]);
  const y = jax.pmap((v) => v.add(lax.psum(v, "i")), "i")(x);
  assert(same(y.tolistSync(), [[12, 17], [14, 19], [16, 21], [18, 23]]), JSON.stringify(y.tolistSync()));
  assert(same(y.addressableShards.map((s) => String(s.data.device)), ["wasm:0", "wasm:1", "wasm:2", "wasm:3"]), "shards");
  const ring = jax.pmap((v) => lax.ppermute(v, "i", [[0, 1], [1, 2], [2, 3], [3, 0]]), "i")(x).tolistSync();
  assert(same(ring, [[6, 7], [0, 1], [2, 3], [4, 5]]), JSON.stringify(ring));
});

await check("shardMap and grad(pmap) equal vmap and the unsharded function", async () => {
  const mesh = jax.makeMesh([4], ["i"]);
  const sm = jax.shardMap((v) => v.sub(lax.pmean(v, "i")), { mesh, inSpecs: jax.P("i"), outSpecs: jax.P("i") });
  assert(same(sm(np.arange(8).astype("float32")).tolistSync(), [-3, -3, -1, -1, 1, 1, 3, 3]), "shardMap");
  const x = np.arange(8).astype("float32").reshape([4, 2]);
  const f = (v) => np.sin(v).mul(lax.pmax(v, "i")).sub(lax.pmean(v.mul(v), "i"));
  assert(same(jax.pmap(f, "i")(x).tolistSync(), jax.vmap(f, { axisName: "i" })(x).tolistSync()), "pmap = vmap");
  const g = jax.grad((w) => jax.pmap((w, v) => lax.psum(v.mul(w).sum(), "i"), "i", { inAxes: [null, 0] })(w, x).sum())(np.ones([2]));
  assert(same(g.tolistSync(), [48, 64]), JSON.stringify(g.tolistSync()));
});

await check("a pureCallback in pmap is called once per device, as on devices (JAX 0.10.2's values)", async () => {
  const S = jax.ShapeDtypeStruct([2], "float32");
  const y = jax.pmap((v) => jax.pureCallback((t) => Float32Array.from(t.dataSync(), (q) => q * 3), S, v), "i")(np.arange(8).astype("float32").reshape([4, 2]));
  assert(same(y.tolistSync(), [[0, 3], [6, 9], [12, 15], [18, 21]]), JSON.stringify(y.tolistSync()));
});

await check("one notice, saying why", async () => {
  const notices = infos.filter((l) => l.includes("pmap and shardMap run on the calling thread"));
  assert(notices.length === 1, `${notices.length} notices:\n${infos.join("\n")}`);
  assert(notices[0].includes("jax.init({threads: 1})"), notices[0]);
});

done();
