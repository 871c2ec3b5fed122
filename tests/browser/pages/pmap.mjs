// Loaded by pmap-isolated.html and pmap-not-isolated.html (the latter served with
// Permissions-Policy: cross-origin-isolated=(), so it has no SharedArrayBuffer; see
// karma.conf.cjs; tests/browser/isolated.spec.ts opens them): runs pmap and shardMap over 4
// devices, checks them against plain JS loops and vmap, and reports what ran and what it said.
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
  await jax.init({ devices: 4 });
  const rt = jax.getBackend("wasm").runtime;
  const x = np.arange(8).astype("float32").reshape([4, 2]);
  const checks = {};
  // psum and a ring ppermute, against loops over the rows.
  const rows = [[0, 1], [2, 3], [4, 5], [6, 7]];
  const total = [12, 16];
  const got = jax.pmap((v) => v.add(lax.psum(v, "i")), "i")(x).tolistSync();
  checks.psum = JSON.stringify(got) === JSON.stringify(rows.map((r) => r.map((v, j) => v + total[j])));
  const ring = jax.pmap((v) => lax.ppermute(v, "i", [[0, 1], [1, 2], [2, 3], [3, 0]]), "i")(x).tolistSync();
  checks.ppermute = JSON.stringify(ring) === JSON.stringify([rows[3], rows[0], rows[1], rows[2]]);
  const mesh = jax.makeMesh([4], ["i"]);
  const sm = jax.shardMap((v) => v.sub(lax.pmean(v, "i")), { mesh, inSpecs: jax.P("i"), outSpecs: jax.P("i") });
  checks.shardMap = JSON.stringify(sm(np.arange(8).astype("float32")).tolistSync()) === JSON.stringify([-3, -3, -1, -1, 1, 1, 3, 3]);
  const f = (v) => np.sin(v).mul(lax.pmax(v, "i")).sub(lax.pmean(v.mul(v), "i"));
  checks.vmap = JSON.stringify(jax.pmap(f, "i")(x).tolistSync()) === JSON.stringify(jax.vmap(f, { axisName: "i" })(x).tolistSync());
  const g = jax.grad((w) => jax.pmap((w, v) => lax.psum(v.mul(w).sum(), "i"), "i", { inAxes: [null, 0] })(w, x).sum())(np.ones([2]));
  checks.grad = JSON.stringify(g.tolistSync()) === JSON.stringify([48, 64]);
  const shards = jax.pmap((v) => v.mul(2), "i")(x).addressableShards.map((s) => String(s.data.device));
  report({ isolated: self.crossOriginIsolated === true, sab: typeof SharedArrayBuffer !== "undefined", variant: rt.variant, threads: rt.threads, checks, shards, infos });
} catch (e) {
  report({ error: String(e?.stack ?? e), infos });
}
