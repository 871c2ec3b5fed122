// shardMap against JAX 0.10.2: the examples of JAX's shard_map docs (tests/golden/pmap.ts, from
// tools/golden_pmap.py with 8 forced host devices) give JAX's values bit for bit (small integers
// and dyadic fractions: every float32 result is exact), results are laid out by their out specs,
// and misuse raises JAX's errors. Each JS function below is the twin of the Python one of the
// same name in the generator.
import * as jax from "../../ts/index.js";
import { Array, lax, numpy as np } from "../../ts/index.js";
import { SHARD_MAP } from "../golden/pmap.js";

const P = jax.P;
const { Mesh } = jax.sharding;

describe("shardMap", () => {
  let M42: jax.sharding.Mesh, M4: jax.sharding.Mesh, MB: jax.sharding.Mesh;
  beforeAll(() => {
    const d = jax.devices();
    M42 = Mesh([[d[0], d[1]], [d[2], d[3]], [d[4], d[5]], [d[6], d[7]]], ["x", "y"]);
    M4 = Mesh(d.slice(0, 4), ["i"]);
    MB = Mesh(d.slice(0, 4), ["b"]);
  });
  const sm = (f: (...a: any[]) => any, mesh: () => jax.sharding.Mesh, inSpecs: unknown, outSpecs: unknown, checkVma = true) =>
    (...args: any[]) => jax.shardMap(f, { mesh: mesh(), inSpecs, outSpecs, checkVma })(...args);

  function ringAllgatherMatmul(lhs: Array, rhs: Array): Array {
    const n = lax.axisSize("i");
    const idx = lax.axisIndex("i");
    const perm = globalThis.Array.from({ length: n }, (_, j) => [j, (j - 1 + n) % n] as [number, number]);
    const kb = rhs.shape[0];
    const acc0 = lhs.slice(null, [0, kb]).matmul(rhs).mul(0);
    const [acc] = lax.foriLoop(0, n, (k, [acc, blk]) => {
      const src = np.remainder(idx.add(k), n);
      const cols = lax.dynamicSlice(lhs, [0, src.mul(kb)], [lhs.shape[0], kb]);
      return [acc.add(cols.matmul(blk)), lax.ppermute(blk, "i", perm)];
    }, [acc0, rhs]);
    return acc;
  }
  const dpLoss = (w: Array, x: Array, y: Array) => lax.pmean(x.matmul(w).sub(y).pow(2).mean(), "b");

  // The JS twin of each case of tools/golden_pmap.py's SHARD_MAP_CASES.
  const CASES: Record<string, (...a: Array[]) => Array> = {
    matmul_basic: sm((a, b) => lax.psum(np.dot(a, b), "y"), () => M42, [P("x", "y"), P("y", null)], P("x", null)),
    psum_replicated: sm((x) => lax.psum(x, "i"), () => M4, P("i"), P()),
    pmean_centered: sm((x) => x.sub(lax.pmean(x, "i")), () => M4, P("i"), P("i")),
    all_gather_tiled: sm((x) => lax.allGather(x, "i", { tiled: true }), () => M4, P("i"), P("i")),
    all_gather_stacked: sm((x) => lax.allGather(x, "i", { axis: 1 }), () => M4, P("i"), P("i")),
    psum_scatter_tiled: sm((x) => lax.psumScatter(x, "i", { tiled: true }), () => M4, P(), P("i")),
    psum_scatter_dim1: sm((x) => lax.psumScatter(x, "i", { scatterDimension: 1, tiled: true }), () => M4, P("i"), P(null, "i")),
    ppermute_shift: sm((x) => lax.ppermute(x, "i", [[0, 1], [1, 2], [2, 3], [3, 0]]), () => M4, P("i"), P("i")),
    ppermute_partial: sm((x) => lax.ppermute(x, "i", [[0, 2], [3, 1]]), () => M4, P("i"), P("i")),
    all_to_all: sm((x) => lax.allToAll(x, "i", 1, 0, { tiled: true }), () => M4, P("i", null), P(null, "i")),
    all_to_all_untiled: sm((x) => lax.allToAll(x.slice(0), "i", 0, 0), () => M4, P("i"), P("i")),
    matmul_allgather: sm((a, b) => a.matmul(lax.allGather(b, "i", { tiled: true })), () => M4, [P("i", null), P("i", null)], P("i", null)),
    matmul_psumscatter: sm((a, b) => lax.psumScatter(a.matmul(b), "i", { scatterDimension: 0, tiled: true }), () => M4, [P(null, "i"), P("i", null)], P("i", null)),
    ring_allgather_matmul: sm(ringAllgatherMatmul, () => M4, [P("i", null), P("i", null)], P("i", null)),
    axis_index_2d: sm((x) => x.mul(0).add(lax.axisIndex("x").mul(10).add(lax.axisIndex("y")).astype("float32")), () => M42, P("x", "y"), P("x", "y")),
    psum_2d: sm((x) => lax.psum(x, ["x", "y"]), () => M42, P(["x", "y"]), P()),
    psum_one_axis_2d: sm((x) => lax.psum(x, "x"), () => M42, P("x", "y"), P(null, "y")),
    check_vma_off: sm((x) => x.mul(2), () => M4, P("i"), P(), false),
    scan_psum: sm((x) => lax.scan((c: Array, r: Array) => [c.add(lax.psum(r, "i")), c] as const, np.zeros([2]), x)[1], () => M4, P(null, "i"), P(null, "i")),
    cond_pmax: sm((x) => lax.cond(lax.pmax(x.sum(), "i").gt(20), (v: Array) => v.mul(2), (v: Array) => v.neg(), x), () => M4, P("i"), P("i")),
    while_psum: sm((x) => lax.whileLoop((c: Array) => lax.psum(c.sum(), "i").lt(100), (c: Array) => c.mul(2), x), () => M4, P("i"), P("i")),
    dp_grad: (w, x, y) => jax.grad(sm(dpLoss, () => MB, [P(), P("b"), P("b")], P()))(w, x, y),
    dp_grad_inside_untyped: sm((w, x, y) => lax.pmean(jax.grad((w: Array) => x.matmul(w).sub(y).pow(2).mean())(w), "b"), () => MB, [P(), P("b"), P("b")], P(), false),
    dp_grad_inside_typed: sm((w, x, y) => jax.grad((w: Array) => x.matmul(w).sub(y).pow(2).mean())(w), () => MB, [P(), P("b"), P("b")], P()),
    psum_of_invariant: sm((x, y) => lax.psum(y, "i").add(x), () => M4, [P("i"), P()], P("i")),
    grad_replicated_operand: (x, y) => jax.grad((x: Array, y: Array) => sm((x, y) => x.mul(y), () => M4, [P("i"), P()], P("i"))(x, y).sum(), { argnums: 1 })(x, y),
    grad_psum_then_replicated: (x, y) => jax.grad((x: Array, y: Array) => sm((x, y) => lax.psum(x.mul(y), "i"), () => M4, [P("i"), P()], P())(x, y).sum(), { argnums: [0, 1] })(x, y) as any,
    grad_of_shard_map: (w, x) => jax.grad((w: Array, x: Array) => sm((w, x) => lax.psum(np.tanh(x.matmul(w)).sum(), "i"), () => M4, [P(), P("i")], P())(w, x))(w, x),
    vmap_of_shard_map: (x) => jax.vmap(sm((x) => x.sub(lax.pmean(x, "i")), () => M4, P("i"), P("i")))(x),
    jit_of_shard_map: (a, b) => jax.jit(sm((a, b) => lax.psum(np.dot(a, b), "y"), () => M42, [P("x", "y"), P("y", null)], P("x", null)))(a, b),
  };

  it("has a JS twin for every golden case", () => {
    expect(SHARD_MAP.map((c) => c.name).filter((n) => !(n in CASES))).toEqual([]);
  });

  // Transcendental results (tanh) may differ from XLA's in the last bits; everything else is exact.
  const CLOSE = new Set(["grad_of_shard_map"]);
  for (const c of SHARD_MAP) {
    it(`${c.name} gives JAX's values`, () => {
      const result: any = CASES[c.name](...c.inputs.map((x) => np.array(x)));
      if (c.shape === null) {
        expect(result.map((r: Array) => r.tolistSync())).toEqual(c.output);
        return;
      }
      const out = result as Array;
      expect(out.shape).toEqual(c.shape);
      if (CLOSE.has(c.name)) {
        const got = globalThis.Array.from(out.dataSync()), want = (c.output as number[][]).flat(Infinity) as number[];
        got.forEach((g, i) => expect(Math.abs(g - want[i])).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(want[i]))));
      } else {
        expect(out.tolistSync()).toEqual(c.output);
      }
    });
  }

  it("results are laid out by their out specs, shards on the mesh's devices", () => {
    const f = jax.shardMap((a: Array, b: Array) => lax.psum(np.dot(a, b), "y"), { mesh: M42, inSpecs: [P("x", "y"), P("y", null)], outSpecs: P("x", null) });
    const c = f(np.ones([8, 16]), np.ones([16, 4]));
    expect(String(c.sharding)).toBe("NamedSharding(mesh=Mesh('x': 4, 'y': 2, axis_types=(Auto, Auto)), spec=P('x', None), memory_kind=device)");
    expect(c.addressableShards.map((s) => [String(s.device), s.index, s.replicaId, s.data.shape])).toEqual(
      globalThis.Array.from({ length: 8 }, (_, k) => [`wasm:${k}`, [[2 * (k >> 1), 2 * (k >> 1) + 2], null], k & 1, [2, 4]]));
    expect(c.addressableShards.every((s) => (s.data.tolistSync() as number[][]).flat().every((v) => v === 16))).toBeTrue();
  });

  it("typed bodies (checkVma): a loop whose carry becomes varying is JAX's error; lax.pcast fixes it", () => {
    const body = (init: (x: Array) => Array) => (x: Array) => lax.foriLoop(0, 2, (_i: Array, c: Array) => c.add(x), init(x));
    const f = (init: (x: Array) => Array) => jax.shardMap(body(init), { mesh: M4, inSpecs: P("i"), outSpecs: P("i") });
    expect(() => f(() => np.zeros([2]))(np.arange(8).astype("float32"))).toThrowError(TypeError,
      /^scan body function carry input and carry output must have equal types, but they differ:\n\nThe input carry component 1 has type float32\[2\] but the corresponding output carry component has type float32\[2\]\{V:i\}, so the manual axis types do not match\.\n\nThis might be fixed by applying `lax\.pcast\(\.\.\., \["i"\], \{ to: "varying" \}\)`/);
    expect(f(() => lax.pcast(np.zeros([2]), "i", { to: "varying" }))(np.arange(8).astype("float32")).tolistSync()).toEqual([0, 2, 4, 6, 8, 10, 12, 14]);
    // Untyped (checkVma false, as pmap), the same loop runs.
    expect(jax.shardMap(body(() => np.zeros([2])), { mesh: M4, inSpecs: P("i"), outSpecs: P("i"), checkVma: false })(np.arange(8).astype("float32")).tolistSync()).toEqual([0, 2, 4, 6, 8, 10, 12, 14]);
  });

  it("makeJaxpr shows the shard_map equation and its per-device body", () => {
    const f = jax.shardMap((a: Array) => lax.psum(a, "y").mul(2), { mesh: M42, inSpecs: P("x", "y"), outSpecs: P("x") });
    const text = String(jax.makeJaxpr(f)(np.ones([8, 4])));
    expect(text).toContain("b:f32[8,2] = shard_map[");
    expect(text).toContain("in_specs=(P('x', 'y'),)");
    expect(text).toContain("jaxpr={ lambda ; c:f32[2,2]. let");
    expect(text).toContain("mesh=Mesh('x': 4, 'y': 2, axis_types=(Auto, Auto))");
    expect(text).toContain("out_specs=(P('x',),)");
  });

  it("equals the unsharded function, composed with jit, grad and vmap (random inputs)", () => {
    const rng = (s: number[], k: number) => jax.random.normal(jax.random.key(k), s);
    const w = rng([6, 3], 1), x = rng([8, 6], 2);
    const loss = (w: Array, x: Array) => np.tanh(x.matmul(w)).pow(2).sum();
    const sharded = (w: Array, x: Array) => jax.shardMap((w: Array, x: Array) => lax.psum(np.tanh(x.matmul(w)).pow(2).sum(), "i"), { mesh: M4, inSpecs: [P(), P("i")], outSpecs: P() })(w, x);
    const close = (a: Array, b: Array) => expect(np.allclose(a, b, { rtol: 1e-5, atol: 1e-5 })).toBeTrue();
    close(sharded(w, x), loss(w, x));
    close(jax.jit(sharded)(w, x), loss(w, x));
    close(jax.grad(sharded)(w, x), jax.grad(loss)(w, x));
    close(jax.grad(sharded, { argnums: 1 })(w, x), jax.grad(loss, { argnums: 1 })(w, x));
    close(jax.jit(jax.grad(sharded))(w, x), jax.grad(loss)(w, x));
    const [, jvpOut] = jax.jvp(sharded, [w, x], [np.onesLike(w), np.zerosLike(x)]);
    const [, jvpRef] = jax.jvp(loss, [w, x], [np.onesLike(w), np.zerosLike(x)]);
    close(jvpOut, jvpRef);
    close(jax.vmap(sharded, { inAxes: [0, null] })(np.stack([w, w.mul(2)]), x), np.stack([loss(w, x), loss(w.mul(2), x)]));
  });

  it("JAX's errors for specs that do not fit, and the runtime stays usable", () => {
    const f = (a: Array, b: Array) => a;
    const args: [Array, Array] = [np.ones([8, 4]), np.ones([6])];
    expect(() => jax.shardMap(f, { mesh: M42, inSpecs: [P("x", "y"), P("x", "y", null)], outSpecs: P("x") })(np.ones([8, 4]), np.ones([8, 4]))).toThrowError(jax.ValueError,
      "shard_map applied to the function 'f' was given an in_specs entry which is too long to be compatible with the corresponding input value from the function:\n\n" +
      "in_specs[1] is P('x', 'y', None) which has length 3, but the passed args[1], where args[1] is bound to f's parameter 'b', has shape float32[8,4], which has rank 2 (and 2 < 3)\n\n" +
      "Entries in in_specs must be of length no greater than the number of axes in the corresponding input value.\n\n" +
      "Either revise the spec to be shorter, or modify 'f' so that its inputs have sufficient rank.");
    expect(() => jax.shardMap(f, { mesh: M42, inSpecs: [P("x", "y"), P(["x", "y"])], outSpecs: P("x") })(...args)).toThrowError(jax.ValueError,
      "shard_map applied to the function 'f' was given argument arrays with axis sizes that are not evenly divisible by the corresponding mesh axis sizes:\n\n" +
      "The mesh given has shape (4, 2) with corresponding axis names ('x', 'y').\n\n" +
      "the passed args[1] of shape float32[6], where args[1] is bound to f's parameter 'b', corresponds to in_specs[1] of value P(('x', 'y'),), which maps array axis 0 (of size 6) to mesh axes ('x', 'y') (of total size 8), but 8 does not evenly divide 6\n\n" +
      "Array arguments' axis sizes must be evenly divisible by the mesh axis or axes indicated by the corresponding elements of the argument's in_specs entry. Consider checking that in_specs are correct, and if so consider changing the mesh axis sizes or else padding the input and adapting 'f' appropriately.");
    expect(() => jax.shardMap(f, { mesh: M42, inSpecs: [P("x", "z"), P()], outSpecs: P("x") })).toThrowError(jax.ValueError,
      "shard_map in_specs argument must refer to an axis marked as manual (frozenset({'x', 'y'})), but:\n\n  in_specs[0] refers to 'z'\n\nCheck the in_specs values passed to shard_map.");
    expect(() => jax.shardMap(f, { mesh: M42, inSpecs: [P("x", "y"), 3], outSpecs: P("x") })).toThrowError(TypeError,
      "shard_map in_specs argument must be a pytree of `jax.sharding.PartitionSpec` instances, but:\n\n  in_specs[1] is 3 of type int, \n\nCheck the in_specs values passed to shard_map.");
    expect(() => jax.shardMap(f, { mesh: M42, inSpecs: null, outSpecs: P("x") })).toThrowError(TypeError, /but it was None\.\nInstead of `in_specs=None`, did you mean `in_specs=P\(\)`/);
    expect(() => jax.shardMap((a: Array) => a.sum(), { mesh: M42, inSpecs: P("x", "y"), outSpecs: P("x") })(np.ones([8, 4]))).toThrowError(jax.ValueError,
      /^shard_map applied to the function '<lambda>' was given an out_specs entry which is too long to be compatible with the corresponding output value from the function:\n\nout_specs is P\('x',\) which has length 1, but <lambda>\(\*args\) has shape float32\[\], which has rank 0 \(and 0 < 1\)/);
    expect(() => jax.shardMap((a: Array) => [a, a], { mesh: M42, inSpecs: P("x", "y"), outSpecs: [P("x"), P("x", "y")] })(np.ones([8, 4]))).toThrowError(jax.ValueError,
      /out_specs\[0\] is P\('x',\) which implies that the corresponding output value is replicated across mesh axis 'y', but could not infer replication over any axes/);
    expect(() => jax.shardMap((a: Array) => ({ k: a }), { mesh: M42, inSpecs: P("x", "y"), outSpecs: { k: P() } })(np.ones([8, 4]))).toThrowError(jax.ValueError,
      /out_specs\['k'\] is P\(\) which implies that the corresponding output value is only varying across mesh axes \{\} and not \{x,y\}, but it was inferred to be possibly varying over \{x,y\}/);
    expect(() => jax.shardMap(f, { mesh: 3 as any, inSpecs: P(), outSpecs: P() })).toThrowError(TypeError, /^shard_map requires a `jax.sharding.Mesh`/);
    expect(() => jax.shardMap(f, { mesh: M4, inSpecs: P(), outSpecs: P(), checkVMA: false } as any)).toThrowError(TypeError, /unexpected keyword argument 'checkVMA'.*did you mean 'checkVma'/);
    // Replication the body shows passes the check: psum, pmax, cond of invariant branches, jit.
    const ok = jax.shardMap((a: Array) => [lax.psum(a, "i"), lax.pmax(a, "i"), jax.jit((v: Array) => lax.psum(v, "i"))(a)], { mesh: M4, inSpecs: P("i"), outSpecs: P() });
    expect(ok(np.arange(8).astype("float32")).map((o: Array) => o.tolistSync())).toEqual([[12, 16], [6, 7], [12, 16]]);
  });
});
