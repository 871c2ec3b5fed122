// Loaded by pmap-isolated.html and pmap-not-isolated.html (the latter served with
// Permissions-Policy: cross-origin-isolated=(), so it has no SharedArrayBuffer; see
// karma.conf.cjs; tests/browser/isolated.spec.ts opens them): runs pmap and shardMap over the
// devices its query asks for (?devices=N), checks them against plain JS loops and vmap, and reports what ran and what it said.
const infos = [];
const info = console.info;
console.info = (...a) => {
  infos.push(a.join(" "));
  info(...a);
};
const report = (r) => parent.postMessage({ page: location.pathname, ...r }, "*");

try {
  const jax = await import("/base/dist/webjax.mjs");
  const { numpy: np, lax } = jax;
  jax.setWasmPaths("/base/wasm/");
  // The device count comes from the page's query (?devices=N; 4 without one).
  const n = Number(new URLSearchParams(location.search).get("devices") ?? 4);
  await jax.init({ devices: n });
  const rt = jax.getBackend("wasm").runtime;
  const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);
  const rows = Array.from({ length: n }, (_, i) => [2 * i, 2 * i + 1]);
  const x = np.array(rows.flat()).reshape([n, 2]);
  const checks = {};
  // psum and a ring ppermute, against loops over the rows.
  const total = [0, 1].map((j) => rows.reduce((s, r) => s + r[j], 0));
  checks.psum = same(jax.pmap((v) => v.add(lax.psum(v, "i")), "i")(x).tolistSync(), rows.map((r) => r.map((v, j) => v + total[j])));
  const perm = rows.map((_, i) => [i, (i + 1) % n]);
  checks.ppermute = same(jax.pmap((v) => lax.ppermute(v, "i", perm), "i")(x).tolistSync(), rows.map((_, i) => rows[(i + n - 1) % n]));
  // allToAll: device i's block j goes to device j's block i (a transpose of the blocks).
  const blocks = np.arange(n * n).astype("float32").reshape([n, n]);
  const a2a = jax.pmap((v) => lax.allToAll(v, "i", 0, 0, { tiled: true }), "i")(blocks).tolistSync();
  checks.allToAll = same(a2a, Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => j * n + i)));
  const mesh = jax.makeMesh([n], ["i"]);
  const sm = jax.shardMap((v) => v.sub(lax.pmean(v, "i")), { mesh, inSpecs: jax.P("i"), outSpecs: jax.P("i") });
  const mean = (2 * n - 1) / 2;
  checks.shardMap = same(sm(np.arange(2 * n).astype("float32")).tolistSync(), rows.map(([a, b]) => [a - (mean - 0.5), b - (mean + 0.5)]).flat());
  const f = (v) => np.sin(v).mul(lax.pmax(v, "i")).sub(lax.pmean(v.mul(v), "i"));
  checks.vmap = same(jax.pmap(f, "i")(x).tolistSync(), jax.vmap(f, { axisName: "i" })(x).tolistSync());
  // d/dw of sum_i psum(rows_i . w) over the n devices: n * (column sums).
  const g = jax.grad((w) => jax.pmap((w, v) => lax.psum(v.mul(w).sum(), "i"), "i", { inAxes: [null, 0] })(w, x).sum())(np.ones([2]));
  checks.grad = same(g.tolistSync(), total.map((t) => n * t));
  const shards = jax.pmap((v) => v.mul(2), "i")(x).addressableShards.map((s) => String(s.data.device));
  report({ isolated: self.crossOriginIsolated === true, sab: typeof SharedArrayBuffer !== "undefined", variant: rt.variant, threads: rt.threads, checks, shards, infos });
} catch (e) {
  report({ error: String(e?.stack ?? e), infos });
}
