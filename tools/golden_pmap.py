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
SHARD_MAP_CASES["grad_of_shard_map"] = (jax.grad(lambda w, x: sm(lambda w, x: lax.psum(jnp.sum(jnp.tanh(x @ w)), "i"), MESH4, (P(), P("i")), P())(w, x)), [arange(3, 2) / 8, arange(8, 3) / 16])
SHARD_MAP_CASES["vmap_of_shard_map"] = (jax.vmap(sm(lambda x: x - lax.pmean(x, "i"), MESH4, P("i"), P("i"))), [arange(3, 8)])
SHARD_MAP_CASES["jit_of_shard_map"] = (jax.jit(sm(lambda a, b: lax.psum(jnp.dot(a, b), "y"), MESH42, (P("x", "y"), P("y", None)), P("x", None))), [arange(8, 16), arange(16, 4)])

SHARD_MAP = []
for name, (f, args) in SHARD_MAP_CASES.items():
    out = f(*args)
    SHARD_MAP.append({"name": name, "inputs": [tolist(a) for a in args], "output": tolist(out), "shape": list(np.shape(out))})

lines = [
    "// GENERATED by tools/golden_pmap.py from JAX " + jax.__version__ + " with 8 forced host devices -- do not edit; rerun the script.",
    "/* eslint-disable */",
    "",
    "export interface ShardingCase { mesh: number[]; names: string[]; spec: (string | string[] | null)[]; shape: number[]; repr: string; meshRepr: string; specRepr: string; shardShape: number[]; shards: [number, ([number, number] | null)[], number][] }",
    "export const SHARDINGS: ShardingCase[] = " + dump(SHARDINGS) + ";",
    "",
    "export interface ValueCase { name: string; inputs: any[]; output: any; shape: number[] }",
    "/** shardMap: JAX's docs' examples (tools/golden_pmap.py names each; tests/sharding/shard_map.spec.ts has their JS twins). */",
    "export const SHARD_MAP: ValueCase[] = " + dump(SHARD_MAP) + ";",
]
with open(OUT, "w") as f:
    f.write("\n".join(lines) + "\n")
print(f"wrote {OUT}")
