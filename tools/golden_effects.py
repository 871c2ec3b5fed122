"""Generates tests/golden/effects.ts from real JAX: run with `/tmp/jax/bin/python tools/golden_effects.py`.

The output is a TypeScript module of `make_jaxpr` texts for host callbacks, names and the
call-like primitives around them (pjit, remat, custom_jvp_call, custom_vjp_call, cond, while,
scan), each next to the JS function webjax traces for it:
  * JAXPRS: `str(make_jaxpr(f)(*args))`.
  * NAME_STACK_JAXPRS: `make_jaxpr(f)(*args).pretty_print(name_stack=True)` (named scopes,
    named calls, and the transform wrappers JAX adds: jvp(...), transpose(...), vmap(...)).

Callbacks are module-level functions with the same names on both sides, because the printed
param shows the function's name (`<function cb at 0xXXXXXXXXXXXX>`; JAX masks the address).
"""

import os

import numpy as np
import jax
import jax.numpy as jnp
from jax import lax

OUT = os.path.join(os.path.dirname(__file__), "..", "tests", "golden", "effects.ts")

f32 = jnp.float32
S3 = jax.ShapeDtypeStruct((3,), f32)
S0 = jax.ShapeDtypeStruct((), f32)
X3 = ("np.ones([3])", jnp.ones((3,), f32))
A23 = ("np.ones([2, 3])", jnp.ones((2, 3), f32))
A32 = ("np.ones([3, 2])", jnp.ones((3, 2), f32))
S = ("np.array(0.5)", jnp.array(0.5, f32))


# ---------------------------------------------------------------- shared functions
# (python definition, JS definition emitted at the top of the generated module)
def cb(x):
    return np.sin(x)


def cb2(x, y):
    return x + y


def cbtree(x, d):
    return {"a": x, "b": [d["k"]]}


def const3():
    return np.float32(3)


@jax.custom_jvp
def s(x):
    return jax.pure_callback(cb, S3, x)


# Rule names appear in the text (jvp=..., fwd=..., bwd=...).
def jvp(p, t):
    return s(p[0]), jnp.cos(p[0]) * t[0]


s.defjvp(jvp)


@jax.custom_vjp
def v(x):
    return jax.pure_callback(cb, S3, x)


def fwd(x):
    return v(x), x


def bwd(r, ct):
    return (ct * jnp.cos(r),)


v.defvjp(fwd, bwd)


def k(x):
    with jax.named_scope("a"):
        y = jnp.sin(x)
    with jax.named_scope("b"):
        return y * 2.0


def nc_body(x):
    return jnp.sin(x) * 2.0


def h(x):
    with jax.named_scope("outer"):
        y = jnp.sin(x)
        with jax.named_scope("inner"):
            z = y * 2.0
    return jax.named_call(nc_body, name="nc")(z) + 1.0


JS_DEFS = """
export const S3 = jax.ShapeDtypeStruct([3], "float32");
export const S0 = jax.ShapeDtypeStruct([], "float32");
export function cb(x: any) { return np.sin(x); }
export function cb2(x: any, y: any) { return x.add(y); }
export function cbtree(x: any, d: any) { return { a: x, b: [d.k] }; }
export function const3() { return 3; }
export const s: any = jax.customJvp(function s(x: any) { return jax.pureCallback(cb, S3, x); });
s.defjvp(function jvp([x]: any[], [t]: any[]) { return [s(x), np.cos(x).mul(t)]; });
export const v: any = jax.customVjp(function v(x: any) { return jax.pureCallback(cb, S3, x); });
v.defvjp(function fwd(x: any) { return [v(x), x]; }, function bwd(r: any, ct: any) { return [ct.mul(np.cos(r))]; });
export function k(x: any) {
  const y = jax.namedScope("a", () => np.sin(x));
  return jax.namedScope("b", () => y.mul(2));
}
export function nc_body(x: any) { return np.sin(x).mul(2); }
export function hs(x: any) { return jax.namedScope("outer", () => np.sin(x).mul(2)); }
export function h(x: any) {
  const z = jax.namedScope("outer", () => {
    const y = np.sin(x);
    return jax.namedScope("inner", () => y.mul(2));
  });
  return jax.namedCall(nc_body, { name: "nc" })(z).add(1);
}
"""


def vmapped(method, in_axes=(0, None)):
    return jax.vmap(lambda x, y: jax.pure_callback(cb2, S3, x, y, vmap_method=method), in_axes=in_axes)


def js_vmapped(method, in_axes="[0, null]"):
    return f'jax.vmap((x, y) => jax.pureCallback(cb2, S3, x, y, {{ vmapMethod: "{method}" }}), {{ inAxes: {in_axes} }})'


def hs(x):
    with jax.named_scope("outer"):
        return jnp.sin(x) * 2.0


def grad_in_scope(x):
    with jax.named_scope("u"):
        return jax.grad(hs)(x)


def around(x):
    with jax.named_scope("outer"):
        return jax.jit(k)(x) + 1.0


def cb_in_scope(x):
    with jax.named_scope("host"):
        return jax.pure_callback(cb, S3, x) * 2.0


# (name, python function, JS function source, args). JS sources are emitted verbatim.
CASES = [
    ("pure_callback", lambda x: jax.pure_callback(cb, S3, x), "(x) => jax.pureCallback(cb, S3, x)", [X3]),
    ("pure_callback_options", lambda x: jax.pure_callback(cb, S3, x, vmap_method="sequential"),
     '(x) => jax.pureCallback(cb, S3, x, { vmapMethod: "sequential" })', [X3]),
    ("pure_callback_pytrees", lambda x, y: jax.pure_callback(cbtree, {"a": S3, "b": [S3]}, x, {"k": y}),
     "(x, y) => jax.pureCallback(cbtree, { a: S3, b: [S3] }, x, { k: y })", [X3, X3]),
    ("pure_callback_unused", lambda x: (jax.pure_callback(cb, S3, x), x * 2.0)[1],
     "(x) => (jax.pureCallback(cb, S3, x), x.mul(2))", [X3]),
    ("pure_callback_no_args", lambda: jax.pure_callback(const3, S0), "() => jax.pureCallback(const3, S0)", []),
    ("vmap_sequential", vmapped("sequential"), js_vmapped("sequential"), [A23, X3]),
    ("vmap_sequential_unrolled", vmapped("sequential_unrolled"), js_vmapped("sequential_unrolled"), [A23, X3]),
    ("vmap_expand_dims", vmapped("expand_dims"), js_vmapped("expand_dims"), [A23, X3]),
    ("vmap_broadcast_all", vmapped("broadcast_all"), js_vmapped("broadcast_all"), [A23, X3]),
    ("vmap_expand_dims_axis1", vmapped("expand_dims", (1, None)), js_vmapped("expand_dims", "[1, null]"), [A32, X3]),
    ("jit_callback", jax.jit(lambda x: jax.pure_callback(cb, S3, x) * 2.0), "jax.jit((x) => jax.pureCallback(cb, S3, x).mul(2))", [X3]),
    ("remat_callback", jax.checkpoint(lambda x: jax.pure_callback(cb, S3, x)), "jax.checkpoint((x) => jax.pureCallback(cb, S3, x))", [X3]),
    ("custom_jvp_callback", s, "s", [X3]),
    ("grad_custom_jvp_callback", jax.grad(lambda x: s(x).sum()), "jax.grad((x) => s(x).sum())", [X3]),
    ("custom_vjp_callback", v, "v", [X3]),
    ("cond_callback", lambda x: lax.cond(x.sum() > 0.0, lambda u: jax.pure_callback(cb, S3, u), lambda u: u * 2.0, x),
     "(x) => lax.cond(x.sum().gt(0), (u) => jax.pureCallback(cb, S3, u), (u) => u.mul(2), x)", [X3]),
    ("while_callback", lambda x: lax.while_loop(lambda c: c[0] < 3, lambda c: (c[0] + 1, jax.pure_callback(cb, S3, c[1])), (0, x)),
     "(x) => lax.whileLoop((c) => c[0].lt(3), (c) => [c[0].add(1), jax.pureCallback(cb, S3, c[1])], [0, x])", [X3]),
    ("scan_callback", lambda c0, xs: lax.scan(lambda c, r: (c + r, jax.pure_callback(cb, S3, r)), c0, xs),
     "(c0, xs) => lax.scan((c, r) => [c.add(r), jax.pureCallback(cb, S3, r)], c0, xs)", [X3, A23]),
    ("named_call_plain", jax.named_call(nc_body, name="nc"), 'jax.namedCall(nc_body, { name: "nc" })', [X3]),
    ("named_scopes_plain", h, "h", [S]),
]

NAME_STACK_CASES = [
    ("one_line_scopes", k, "k", [X3]),
    ("nested_scopes_and_named_call", h, "h", [S]),
    ("jit_body_scopes", jax.jit(k), "jax.jit(k)", [X3]),
    ("scope_around_jit", around, '(x) => jax.namedScope("outer", () => jax.jit(k)(x).add(1))', [X3]),
    ("callback_in_scope", cb_in_scope, '(x) => jax.namedScope("host", () => jax.pureCallback(cb, S3, x).mul(2))', [X3]),
    ("grad_scopes", jax.grad(h), "jax.grad(h)", [S]),
    ("vmap_scopes", jax.vmap(h), "jax.vmap(h)", [X3]),
    ("grad_in_scope", grad_in_scope, '(x) => jax.namedScope("u", () => jax.grad(hs)(x))', [S]),
    ("vmap_of_grad_scopes", jax.vmap(jax.grad(hs)), "jax.vmap(jax.grad(hs))", [X3]),
]


# ---------------------------------------------------------------- emit
def ts_str(s):
    return "`" + s.replace("\\", "\\\\").replace("`", "\\`").replace("${", "\\${") + "`"


def emit_cases(lines, cases, text_of):
    for name, pyf, js, args in cases:
        text = text_of(jax.make_jaxpr(pyf)(*[a[1] for a in args]))
        lines.append("  {")
        lines.append(f'    name: "{name}",')
        lines.append(f"    fn: {js},")
        lines.append(f"    args: () => [{', '.join(a[0] for a in args)}],")
        lines.append(f"    source: {ts_str(js)},")
        lines.append(f"    jax: {ts_str(text)},")
        lines.append("  },")


lines = [
    "// GENERATED by tools/golden_effects.py from JAX " + jax.__version__ + " -- do not edit; rerun the script.",
    "/* eslint-disable */",
    'import * as webjax from "../../ts/index.js";',
    'import { numpy as np, lax } from "../../ts/index.js";',
    'import { pureCallback } from "../../ts/transforms/callback.js";',
    'import { namedCall, namedScope } from "../../ts/transforms/named.js";',
    "",
    "// The effects API straight from its modules (so this works before ts/index.ts re-exports it).",
    "const jax = { ...webjax, pureCallback, namedCall, namedScope };",
    "",
    "export const JAX_VERSION = " + repr(jax.__version__).replace("'", '"') + ";",
    JS_DEFS,
    "export interface JaxprCase { name: string; fn: (...args: any[]) => any; args: () => any[]; source: string; jax: string }",
    "",
    "/** str(make_jaxpr(f)(*args)) from JAX, with the JS function webjax traces for it. */",
    "export const JAXPRS: JaxprCase[] = [",
]
emit_cases(lines, CASES, str)
lines += [
    "];",
    "",
    "/** make_jaxpr(f)(*args).pretty_print(name_stack=True) from JAX. */",
    "export const NAME_STACK_JAXPRS: JaxprCase[] = [",
]
emit_cases(lines, NAME_STACK_CASES, lambda j: j.pretty_print(name_stack=True))
lines += ["];", ""]

os.makedirs(os.path.dirname(OUT), exist_ok=True)
with open(OUT, "w") as f:
    f.write("\n".join(lines))
print(f"wrote {os.path.relpath(OUT)}: {len(CASES)} jaxprs, {len(NAME_STACK_CASES)} with name stacks")
