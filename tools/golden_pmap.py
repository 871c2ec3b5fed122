"""Generates tests/golden/pmap.ts from real JAX (8 forced host devices):
`XLA_FLAGS=--xla_force_host_platform_device_count=8 /tmp/jaxenv2/bin/python tools/golden_pmap.py`.

What webjax's devices, shardings, shardMap and pmap must reproduce, from JAX 0.10.2:
  * SHARDINGS: for a mesh (jax.make_mesh), a PartitionSpec and an array shape, the printed
    NamedSharding and each shard's device id, index (JS: [start, stop] or null) and replica id.
  * SHARD_MAP: the shard_map examples of JAX's docs (docs.jax.dev/en/latest/notebooks/shard_map.html
    and the sharded-computation tutorial), inputs and outputs, with the JS function beside each.
  * PMAP: pmap programs (collectives, in/out axes, compositions with jit, grad and vmap), inputs
    and outputs.
  * ERRORS: JAX's messages for misuse, to compare (device reprs differ: CpuDevice(id=3) vs wasm:3).
Inputs are small integers or dyadic floats, so float32 results are exact and compare bit for bit.
"""

import json
import os

import numpy as np
import jax
import jax.numpy as jnp
from jax import lax
from jax.sharding import Mesh, NamedSharding, PartitionSpec as P

assert len(jax.devices()) == 8, "run with XLA_FLAGS=--xla_force_host_platform_device_count=8"
OUT = os.path.join(os.path.dirname(__file__), "..", "tests", "golden", "pmap.ts")


def js_spec(spec):
    return [list(p) if isinstance(p, tuple) else p for p in spec]


def js_index(idx):
    return [None if s == slice(None) else [s.start, s.stop] for s in idx]


def tolist(x):
    return np.asarray(x).tolist()


def dump(rows):
    """One case a line."""
    return "[\n" + "".join(f"  {json.dumps(r)},\n" for r in rows) + "]"


# ------------------------------------------------------------------ shardings
SHARDINGS = []
for mesh_shape, names, spec, shape in [
    ((8,), ("i",), P("i"), (8,)),
    ((8,), ("i",), P(), (3,)),
    ((8,), ("i",), P(None, "i"), (2, 16)),
    ((2, 4), ("a", "b"), P("a", "b"), (4, 4)),
    ((2, 4), ("a", "b"), P("b"), (4, 4)),
    ((2, 4), ("a", "b"), P(("a", "b")), (8, 2)),
    ((2, 4), ("a", "b"), P(("b", "a")), (8,)),
    ((2, 2), ("x", "y"), P(None, "y"), (3, 4)),
    ((2, 2, 2), ("x", "y", "z"), P("z", "x"), (2, 4)),
]:
    mesh = jax.make_mesh(mesh_shape, names)
    s = NamedSharding(mesh, spec)
    x = jax.device_put(jnp.arange(np.prod(shape), dtype=jnp.float32).reshape(shape), s)
    SHARDINGS.append({
        "mesh": list(mesh_shape), "names": list(names), "spec": js_spec(spec), "shape": list(shape),
        "repr": str(s), "meshRepr": str(mesh), "specRepr": str(spec), "shardShape": list(s.shard_shape(shape)),
        "shards": [[d.device.id, js_index(d.index), d.replica_id] for d in x.addressable_shards],
    })


# ------------------------------------------------------------------ shard_map (JAX's docs' examples)
# An Auto mesh as the docs build it (jax.make_mesh's Explicit axes would also check in_specs
# against each argument's own sharding, which webjax does not model).
devs = np.array(jax.devices())
MESH42 = Mesh(devs.reshape(4, 2), ("x", "y"))
MESH4 = Mesh(devs[:4], ("i",))


def sm(f, mesh, ins, outs, **kw):
    return jax.shard_map(f, mesh=mesh, in_specs=ins, out_specs=outs, **kw)


def arange(*shape, dtype=jnp.float32):
    return jnp.arange(int(np.prod(shape)), dtype=dtype).reshape(shape)


def ring_allgather_matmul(lhs_blk, rhs_blk):
    # lhs rows split over i, rhs rows split over i: lhs @ rhs with rhs gathered one ring step at a time.
    n = lax.axis_size("i")
    idx = lax.axis_index("i")
    perm = [(j, (j - 1) % n) for j in range(n)]
    kb = rhs_blk.shape[0]
    def step(k, carry):
        acc, blk = carry
        src = (idx + k) % n
        cols = lax.dynamic_slice_in_dim(lhs_blk, src * kb, kb, 1)
        return acc + cols @ blk, lax.ppermute(blk, "i", perm)
    acc0 = lhs_blk[:, :kb] @ rhs_blk * 0  # zeros that vary over i, as the loop's carry does
    acc, _ = lax.fori_loop(0, n, step, (acc0, rhs_blk))
    return acc


def dp_loss(w, x, y):
    return lax.pmean(((x @ w - y) ** 2).mean(), "b")


SHARD_MAP_CASES = {
    "matmul_basic": (sm(lambda a, b: lax.psum(jnp.dot(a, b), "y"), MESH42, (P("x", "y"), P("y", None)), P("x", None)), [arange(8, 16), arange(16, 4)]),
    "psum_replicated": (sm(lambda x: lax.psum(x, "i"), MESH4, P("i"), P()), [arange(16)]),
    "pmean_centered": (sm(lambda x: x - lax.pmean(x, "i"), MESH4, P("i"), P("i")), [arange(16)]),
    "all_gather_tiled": (sm(lambda x: lax.all_gather(x, "i", tiled=True), MESH4, P("i"), P("i")), [arange(8)]),
    "all_gather_stacked": (sm(lambda x: lax.all_gather(x, "i", axis=1), MESH4, P("i"), P("i")), [arange(8, 2)]),
    "psum_scatter_tiled": (sm(lambda x: lax.psum_scatter(x, "i", tiled=True), MESH4, P(), P("i")), [arange(16)]),
    "psum_scatter_dim1": (sm(lambda x: lax.psum_scatter(x, "i", scatter_dimension=1, tiled=True), MESH4, P("i"), P(None, "i")), [arange(8, 8)]),
    "ppermute_shift": (sm(lambda x: lax.ppermute(x, "i", [(j, (j + 1) % 4) for j in range(4)]), MESH4, P("i"), P("i")), [arange(8)]),
    "ppermute_partial": (sm(lambda x: lax.ppermute(x, "i", [(0, 2), (3, 1)]), MESH4, P("i"), P("i")), [arange(8) + 1]),
    "all_to_all": (sm(lambda x: lax.all_to_all(x, "i", 1, 0, tiled=True), MESH4, P("i", None), P(None, "i")), [arange(8, 4)]),
    "all_to_all_untiled": (sm(lambda x: lax.all_to_all(x[0], "i", 0, 0), MESH4, P("i"), P("i")), [arange(4, 4, 3)]),
    "matmul_allgather": (sm(lambda a, b: a @ lax.all_gather(b, "i", tiled=True), MESH4, (P("i", None), P("i", None)), P("i", None)), [arange(8, 8), arange(8, 4)]),
    "matmul_psumscatter": (sm(lambda a, b: lax.psum_scatter(a @ b, "i", scatter_dimension=0, tiled=True), MESH4, (P(None, "i"), P("i", None)), P("i", None)), [arange(8, 8), arange(8, 4)]),
    "ring_allgather_matmul": (sm(ring_allgather_matmul, MESH4, (P("i", None), P("i", None)), P("i", None)), [arange(8, 8), arange(8, 4)]),
    "axis_index_2d": (sm(lambda x: x * 0 + (lax.axis_index("x") * 10 + lax.axis_index("y")).astype(jnp.float32), MESH42, P("x", "y"), P("x", "y")), [arange(4, 2)]),
    "psum_2d": (sm(lambda x: lax.psum(x, ("x", "y")), MESH42, P(("x", "y")), P()), [arange(16)]),
    "psum_one_axis_2d": (sm(lambda x: lax.psum(x, "x"), MESH42, P("x", "y"), P(None, "y")), [arange(8, 4)]),
    "check_vma_off": (sm(lambda x: x * 2, MESH4, P("i"), P(), check_vma=False), [arange(8)]),
    "scan_psum": (sm(lambda x: lax.scan(lambda c, r: (c + lax.psum(r, "i"), c), jnp.zeros(2), x)[1], MESH4, P(None, "i"), P(None, "i")), [arange(3, 8)]),
    "cond_pmax": (sm(lambda x: lax.cond(lax.pmax(x.sum(), "i") > 20, lambda v: v * 2, lambda v: -v, x), MESH4, P("i"), P("i")), [arange(8)]),
    "while_psum": (sm(lambda x: lax.while_loop(lambda c: lax.psum(c.sum(), "i") < 100, lambda c: c * 2, x), MESH4, P("i"), P("i")), [arange(8) + 1]),
}
MESHB = Mesh(devs[:4], ("b",))
DP_ARGS = [arange(3, 2) / 8, arange(8, 3) / 4, arange(8, 2) / 2]
# Data parallel as the docs write it: the loss is a shard_map (pmean of the local losses), grad outside.
SHARD_MAP_CASES["dp_grad"] = (jax.grad(sm(dp_loss, MESHB, (P(), P("b"), P("b")), P())), DP_ARGS)
# Per-device gradients reduced inside, untyped (check_vma=False: each device differentiates its local loss).
SHARD_MAP_CASES["dp_grad_inside_untyped"] = (sm(lambda w, x, y: lax.pmean(jax.grad(lambda w: ((x @ w - y) ** 2).mean())(w), "b"), MESHB, (P(), P("b"), P("b")), P(), check_vma=False), DP_ARGS)
# Typed (check_vma, the default): a gradient taken inside the body with respect to a replicated
# value sums the devices' contributions (JAX's implicit pvary transposes to a psum).
SHARD_MAP_CASES["dp_grad_inside_typed"] = (sm(lambda w, x, y: jax.grad(lambda w: ((x @ w - y) ** 2).mean())(w), MESHB, (P(), P("b"), P("b")), P()), DP_ARGS)
SHARD_MAP_CASES["psum_of_invariant"] = (sm(lambda x, y: lax.psum(y, "i") + x, MESH4, (P("i"), P()), P("i")), [arange(8), arange(2)])
SHARD_MAP_CASES["grad_replicated_operand"] = (jax.grad(lambda x, y: sm(lambda x, y: x * y, MESH4, (P("i"), P()), P("i"))(x, y).sum(), argnums=1), [arange(8), arange(2) + 1])
SHARD_MAP_CASES["grad_psum_then_replicated"] = (jax.grad(lambda x, y: sm(lambda x, y: lax.psum(x * y, "i"), MESH4, (P("i"), P()), P())(x, y).sum(), argnums=(0, 1)), [arange(8), arange(2) + 1])
SHARD_MAP_CASES["grad_of_shard_map"] = (jax.grad(lambda w, x: sm(lambda w, x: lax.psum(jnp.sum(jnp.tanh(x @ w)), "i"), MESH4, (P(), P("i")), P())(w, x)), [arange(3, 2) / 8, arange(8, 3) / 16])
SHARD_MAP_CASES["vmap_of_shard_map"] = (jax.vmap(sm(lambda x: x - lax.pmean(x, "i"), MESH4, P("i"), P("i"))), [arange(3, 8)])
SHARD_MAP_CASES["jit_of_shard_map"] = (jax.jit(sm(lambda a, b: lax.psum(jnp.dot(a, b), "y"), MESH42, (P("x", "y"), P("y", None)), P("x", None))), [arange(8, 16), arange(16, 4)])

SHARD_MAP = []
for name, (f, args) in SHARD_MAP_CASES.items():
    out = f(*args)
    single = isinstance(out, jax.Array)
    SHARD_MAP.append({"name": name, "inputs": [tolist(a) for a in args], "output": jax.tree.map(tolist, out), "shape": list(np.shape(out)) if single else None})


# ------------------------------------------------------------------ pmap
def mlp_loss(params, x, y):
    w1, w2 = params
    h = jnp.tanh(x @ w1)
    return ((h @ w2 - y) ** 2).mean()


def dp_step(params, x, y):
    # A data-parallel SGD step: per-device gradients, averaged with pmean.
    g = jax.grad(mlp_loss)(params, x, y)
    g = lax.pmean(g, "i")
    return jax.tree.map(lambda p, d: p - 0.5 * d, params, g)


PARAMS = [arange(3, 4) / 16, arange(4, 2) / 8]
PMAP_CASES = {
    "normalize_4": (jax.pmap(lambda x: x / lax.psum(x, "i"), "i"), [arange(4)]),
    "psum_2": (jax.pmap(lambda x: lax.psum(x, "i"), "i"), [arange(2, 3)]),
    "pmax_pmin_8": (jax.pmap(lambda x: lax.pmax(x, "i") - lax.pmin(x, "i"), "i"), [arange(8, 2) * ((-1) ** arange(8, 2))]),
    "in_axes_none": (jax.pmap(lambda x, y: x * y + y, in_axes=(0, None)), [arange(4, 3), arange(3)]),
    "out_axes_none": (jax.pmap(lambda x: lax.psum(x, "i"), "i", out_axes=None), [arange(4, 2)]),
    "out_axes_1": (jax.pmap(lambda x: x * 2, out_axes=1), [arange(2, 3)]),
    "in_axes_1": (jax.pmap(lambda x: x.sum(), in_axes=1), [arange(3, 2)]),
    "static": (lambda x: jax.pmap(lambda x, n: x * n, static_broadcasted_argnums=1)(x, 3), [arange(2)]),
    "pytree": (jax.pmap(lambda d: {"a": d["x"] + d["y"], "b": [lax.psum(d["x"], "i")]}, "i"), [{"x": arange(4), "y": arange(4, 2)[:, 0]}]),
    "axis_index_8": (jax.pmap(lambda x: lax.axis_index("i") * 10 + x, "i"), [arange(8, dtype=jnp.int32)]),
    "all_gather_4": (jax.pmap(lambda x: lax.all_gather(x, "i"), "i"), [arange(4, 2)]),
    "all_gather_tiled_2": (jax.pmap(lambda x: lax.all_gather(x, "i", tiled=True), "i"), [arange(2, 3)]),
    "psum_scatter_4": (jax.pmap(lambda x: lax.psum_scatter(x, "i"), "i"), [arange(4, 4)]),
    "ppermute_ring_8": (jax.pmap(lambda x: lax.ppermute(x, "i", [(j, (j + 1) % 8) for j in range(8)]), "i"), [arange(8, 2)]),
    "ppermute_partial_4": (jax.pmap(lambda x: lax.ppermute(x, "i", [(0, 2), (1, 0)]), "i"), [arange(4) + 1]),
    "all_to_all_4": (jax.pmap(lambda x: lax.all_to_all(x, "i", 0, 0), "i"), [arange(4, 4)]),
    "all_to_all_tiled_2": (jax.pmap(lambda x: lax.all_to_all(x, "i", 1, 0, tiled=True), "i"), [arange(2, 3, 4)]),
    "pmap_grad_psum": (jax.pmap(jax.grad(lambda y: lax.psum(y * y, "i")), "i"), [arange(4)]),
    "grad_pmap_psum": (jax.grad(lambda x: jax.pmap(lambda y: lax.psum(y * y, "i"), "i")(x).sum()), [arange(4)]),
    "grad_pmap_replicated": (jax.grad(lambda w: jax.pmap(lambda w, x: lax.psum((x * w).sum(), "i"), "i", in_axes=(None, 0))(w, arange(4, 2)).sum()), [jnp.ones(2)]),
    "pmap_jit_grad": (jax.pmap(jax.jit(jax.grad(lambda w, x: lax.psum(jnp.sum(x * w) ** 2, "i"))), "i", in_axes=(None, 0)), [jnp.ones(2) / 4, arange(2, 2) / 4]),
    "jit_pmap": (jax.jit(jax.pmap(lambda x: x - lax.pmean(x, "i"), "i")), [arange(4, 2)]),
    "vmap_pmap": (jax.vmap(jax.pmap(lambda x: lax.psum(x, "i"), "i")), [arange(3, 2)]),
    "pmap_vmap_nested_names": (jax.pmap(jax.vmap(lambda x: lax.psum(x, ("i", "j")) - lax.psum(x, "j"), axis_name="j"), "i"), [arange(2, 3)]),
    "pmap_vmap_inner_only": (jax.pmap(jax.vmap(lambda x: x - lax.pmean(x, "j"), axis_name="j"), "i"), [arange(2, 4)]),
    "dp_sgd_step_4": (jax.pmap(dp_step, "i", in_axes=(None, 0, 0)), [PARAMS, arange(4, 2, 3) / 16, arange(4, 2, 2) / 8]),
    "cond_psum": (jax.pmap(lambda x: lax.cond(lax.psum(x, "i") > 5, lambda v: v * 2, lambda v: v - 1, x), "i"), [arange(4)]),
    "fori_psum": (jax.pmap(lambda x: lax.fori_loop(0, 3, lambda k, c: c + lax.psum(c, "i") / 4, x), "i"), [arange(4)]),
    "scan_ppermute": (jax.pmap(lambda x: lax.scan(lambda c, _: (lax.ppermute(c, "i", [(0, 1), (1, 0)]) + 1, c), x, None, length=3), "i"), [arange(2, 2)]),
    "while_pmax": (jax.pmap(lambda x: lax.while_loop(lambda c: lax.pmax(c, "i") < 50, lambda c: c * 3, x), "i"), [arange(4) + 1]),
    "int_ops_2": (jax.pmap(lambda x: lax.psum(x * 3, "i") // 2, "i"), [arange(2, 3, dtype=jnp.int32)]),
}

PMAP = []
for name, (f, args) in PMAP_CASES.items():
    out = f(*args)
    PMAP.append({"name": name, "inputs": [jax.tree.map(tolist, a) for a in args], "output": jax.tree.map(tolist, out)})

# JAX's messages (device reprs are CpuDevice(id=k) there; the ones kept here name none).
def message(f):
    try:
        f()
    except Exception as e:  # noqa: BLE001
        return type(e).__name__, str(e)
    raise AssertionError("no error")


PMAP_ERRORS = {
    "more_shards_than_devices": message(lambda: jax.pmap(lambda x: x ** 2)(jnp.arange(9.))),
    "inconsistent_sizes": message(lambda: jax.pmap(lambda x, y: x + y)(jnp.ones(2), jnp.ones(3))),
    "axis_size_mismatch": message(lambda: jax.pmap(lambda x: x, axis_size=3)(jnp.ones(2))),
    "static_out_of_range": message(lambda: jax.pmap(lambda x, n: x * n, static_broadcasted_argnums=(2,))(jnp.ones(2), 3)),
    "bad_in_axes": message(lambda: jax.pmap(lambda x: x, in_axes=0.5)(jnp.ones(2))),
    "no_mapped_axis": message(lambda: jax.pmap(lambda x: x, in_axes=None)(jnp.ones(2))),
    "empty_devices": message(lambda: jax.pmap(lambda x: x, devices=[])(jnp.ones(3))),
    "scalar_mapped": message(lambda: jax.pmap(lambda x, s: x * s)(jnp.arange(2.), 3.0)),
    "blocks_not_squeezable": message(lambda: jax.pmap(lambda x: x * 2)(jnp.arange(16.))),
    "ppermute_duplicates": message(lambda: jax.pmap(lambda v: lax.ppermute(v, "i", [(0, 2), (1, 2)]), "i")(jnp.arange(3.))),
    "all_to_all_size": message(lambda: jax.pmap(lambda v: lax.all_to_all(v, "i", 0, 0), "i")(jnp.arange(6.).reshape(2, 3))),
    "all_to_all_tiled_size": message(lambda: jax.pmap(lambda v: lax.all_to_all(v, "i", 0, 0, tiled=True), "i")(jnp.arange(6.).reshape(2, 3))),
    "nested_pmap": message(lambda: jax.pmap(jax.pmap(lambda x: lax.psum(x, "j"), "j"), "i")(jnp.ones((2, 4)))),
}

lines = [
    "// GENERATED by tools/golden_pmap.py from JAX " + jax.__version__ + " with 8 forced host devices -- do not edit; rerun the script.",
    "/* eslint-disable */",
    "",
    "export interface ShardingCase { mesh: number[]; names: string[]; spec: (string | string[] | null)[]; shape: number[]; repr: string; meshRepr: string; specRepr: string; shardShape: number[]; shards: [number, ([number, number] | null)[], number][] }",
    "export const SHARDINGS: ShardingCase[] = " + dump(SHARDINGS) + ";",
    "",
    "export interface ValueCase { name: string; inputs: any[]; output: any; shape: number[] | null }",
    "/** shardMap: JAX's docs' examples (tools/golden_pmap.py names each; tests/sharding/shard_map.spec.ts has their JS twins). */",
    "export const SHARD_MAP: ValueCase[] = " + dump(SHARD_MAP) + ";",
    "",
    "/** pmap programs (tests/transforms/pmap.spec.ts has their JS twins); outputs are pytrees of nested lists. */",
    "export const PMAP: { name: string; inputs: any[]; output: any }[] = " + dump(PMAP) + ";",
    "",
    "/** JAX's error type and message for misuse of pmap and its collectives. */",
    "export const PMAP_ERRORS: Record<string, [string, string]> = " + json.dumps(PMAP_ERRORS, indent=2) + ";",
]
with open(OUT, "w") as f:
    f.write("\n".join(lines) + "\n")
print(f"wrote {OUT}")
