"""Generates tests/golden/core.ts from real JAX: run with `/tmp/jax/bin/python tools/golden.py`.

The output is a TypeScript module (so the specs need no JSON loading and no Python):
  * PROMOTION: dtype/weak-type of `jnp.add(x, y)` for every pair of operand kinds, x64 off.
  * PROMOTION_F64: the same for pairs involving float64, with jax_enable_x64 on. Our lattice
    has no 64-bit integers or complex128: JAX's int64 results appear here as int64 and
    complex128 as complex128; the spec maps them to int32 / complex64 (what webjax's lattice
    lands on, as JAX itself does with x64 disabled).
  * JAXPRS: `make_jaxpr` text for small functions, each next to the JS function webjax runs.
  * VALUES: float32 outputs of elementwise math on fixed inputs.
"""

import math
import os

import numpy as np
import jax
import jax.numpy as jnp
from jax._src.lax import lax as lax_internal

OUT = os.path.join(os.path.dirname(__file__), "..", "tests", "golden", "core.ts")

# ---------------------------------------------------------------- promotion
STRONG = ["bool", "int32", "uint32", "float16", "float32", "complex64"]
WEAK = ["int32", "float32", "complex64"]  # Python int / float / complex scalars
KINDS = [(d, False) for d in STRONG] + [(d, True) for d in WEAK]


def operand(dtype, weak):
    x = jnp.zeros((), jnp.dtype(dtype))
    if weak:
        x = lax_internal._convert_element_type(x, jnp.dtype(dtype), weak_type=True)
    return x


def promotion_rows(kinds):
    rows = []
    for (d1, w1) in kinds:
        for (d2, w2) in kinds:
            r = jnp.add(operand(d1, w1), operand(d2, w2))
            rows.append((d1, w1, d2, w2, str(r.dtype), bool(r.weak_type)))
    return rows


PROMOTION = promotion_rows(KINDS)
jax.config.update("jax_enable_x64", True)
F64_KINDS = KINDS + [("float64", False)]
PROMOTION_F64 = [r for r in promotion_rows(F64_KINDS) if "float64" in (r[0], r[2])]
jax.config.update("jax_enable_x64", False)

# ---------------------------------------------------------------- jaxprs
f32 = jnp.float32
X3 = ("np.ones([3])", jnp.ones((3,), f32))
A23 = ("np.ones([2, 3])", jnp.ones((2, 3), f32))
B34 = ("np.ones([3, 4])", jnp.ones((3, 4), f32))
I4 = ("np.arange(4)", jnp.arange(4))
C3 = jnp.array([1.0, 2.0, 3.0], f32)


def _sin(x):
    return jnp.sin(x)


_sin.__name__ = "sin"

# (name, python function, JS function source, args). JS sources are emitted as code verbatim.
# JS numbers such as `2` are weak int32 scalars; where they meet float32 they become 2.0:f32[],
# which is what a Python float literal gives in JAX, so the texts agree.
CASES = [
    ("sin_mul", lambda x: jnp.sin(x) * 2.0, "(x) => np.sin(x).mul(2)", [X3]),
    ("jit_matmul_sum", jax.jit(lambda a, b: (a @ b).sum()), "jax.jit((a, b) => a.matmul(b).sum())", [A23, B34]),
    ("astype_add", lambda x: x.astype(jnp.int32) + 1, '(x) => x.astype("int32").add(1)', [X3]),
    ("broadcast_add", lambda a, b: a + b, "(a, b) => a.add(b)", [A23, X3]),
    ("reductions", lambda a: (a.sum(axis=0), a.max(axis=1, keepdims=True), a.mean()),
     "(a) => [a.sum({ axis: 0 }), a.max({ axis: 1, keepdims: true }), a.mean()]", [A23]),
    ("reductions2", lambda a: (a.min(axis=0), a.prod(axis=1), jnp.argmax(a, axis=1), (a > 0).all(axis=0), (a > 0).any()),
     "(a) => [a.min({ axis: 0 }), a.prod({ axis: 1 }), np.argmax(a, { axis: 1 }), np.all(a.gt(0), { axis: 0 }), np.any(a.gt(0))]", [A23]),
    ("transpose", lambda a: a.T, "(a) => a.T", [A23]),
    ("reshape", lambda a: a.reshape(3, 2), "(a) => a.reshape([3, 2])", [A23]),
    ("expand_squeeze", lambda a: jnp.squeeze(jnp.expand_dims(a, 0), 0), "(a) => np.squeeze(np.expandDims(a, 0), { axis: 0 })", [A23]),
    ("vector_matmul", lambda a, b: a @ b, "(a, b) => np.matmul(a, b)", [X3, X3]),
    ("matrix_vector", lambda a, b: a @ b, "(a, b) => a.matmul(b)", [A23, X3]),
    ("dot_transpose", lambda a: jnp.dot(a, a.T), "(a) => np.dot(a, a.T)", [A23]),
    ("exp_log", lambda a: jnp.log(jnp.exp(a) + 1.0), "(a) => np.log(np.exp(a).add(1))", [A23]),
    ("int_ops", lambda a: a * 2 + 3, "(a) => a.mul(2).add(3)", [I4]),
    ("unary_ops", lambda a: (a ** 2, a ** 3, jnp.square(a), a / 2, 1 / a, jnp.abs(a), -a, jnp.maximum(a, 1.0)),
     "(a) => [a.pow(2), a.pow(3), np.square(a), a.div(2), np.divide(1, a), np.abs(a), a.neg(), np.maximum(a, 1)]", [A23]),
    ("creation", lambda a: (jnp.arange(6), jnp.zeros((2,)), jnp.ones((2, 2), jnp.int32), jnp.full((2,), 7.0)),
     '(a) => [np.arange(6), np.zeros([2]), np.ones([2, 2], { dtype: "int32" }), np.full([2], 7)]', [A23]),
    ("float16", lambda a: a.astype(jnp.float16) * 2, '(a) => a.astype("float16").mul(2)', [A23]),
    ("nested_jit", lambda a: jax.jit(lambda b: jax.jit(_sin)(b) * 2.0)(a),
     "(a) => jax.jit((b) => jax.jit(Object.defineProperty((x: any) => np.sin(x), "name", { value: "sin" }))(b).mul(2))(a)", [X3]),
    ("closed_over_const", lambda a: a + C3, "(a) => a.add(C3)", [X3]),
    ("literal_output", lambda a, b: (a, 1.5), "(a, b) => [a, 1.5]", [X3, X3]),
]

# ---------------------------------------------------------------- values
XS = np.array([-2.5, -1.0, -0.3, 0.0, 0.4, 1.0, 2.2, 7.5], np.float32)
UNIT = np.array([-0.9, -0.5, -0.1, 0.0, 0.2, 0.6, 0.95], np.float32)
POS = np.array([0.01, 0.3, 1.0, 2.5, 10.0, 123.0], np.float32)
GE1 = np.array([1.0, 1.2, 2.0, 5.0, 40.0], np.float32)
YS = np.array([1.0, -2.0, 0.5, -0.7, 3.0, -3.0, 0.0, 2.0], np.float32)
VALUES = [
    # (name, js expression over x / y, python function, inputs)
    ("exp", "np.exp(x)", jnp.exp, [XS]),
    ("expm1", "np.expm1(x)", jnp.expm1, [XS]),
    ("log", "np.log(x)", jnp.log, [POS]),
    ("log1p", "np.log1p(x)", jnp.log1p, [UNIT]),
    ("sqrt", "np.sqrt(x)", jnp.sqrt, [POS]),
    ("rsqrt", "np.rsqrt(x)", lambda x: jax.lax.rsqrt(x), [POS]),
    ("sin", "np.sin(x)", jnp.sin, [XS]),
    ("cos", "np.cos(x)", jnp.cos, [XS]),
    ("tan", "np.tan(x)", jnp.tan, [UNIT]),
    ("tanh", "np.tanh(x)", jnp.tanh, [XS]),
    ("sinh", "np.sinh(x)", jnp.sinh, [XS]),
    ("cosh", "np.cosh(x)", jnp.cosh, [XS]),
    ("arcsin", "np.arcsin(x)", jnp.arcsin, [UNIT]),
    ("arccos", "np.arccos(x)", jnp.arccos, [UNIT]),
    ("arctan", "np.arctan(x)", jnp.arctan, [XS]),
    ("arcsinh", "np.arcsinh(x)", jnp.arcsinh, [XS]),
    ("arccosh", "np.arccosh(x)", jnp.arccosh, [GE1]),
    ("arctanh", "np.arctanh(x)", jnp.arctanh, [UNIT]),
    ("arctan2", "np.arctan2(x, y)", jnp.arctan2, [XS, YS]),
    ("logaddexp", "np.logaddexp(x, y)", jnp.logaddexp, [XS, YS]),
    ("power", "np.power(x, y)", jnp.power, [POS, YS[:6]]),
    ("floor", "np.floor(x)", jnp.floor, [XS]),
    ("ceil", "np.ceil(x)", jnp.ceil, [XS]),
    ("round", "np.round(x)", jnp.round, [np.array([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 2.6], np.float32)]),
    ("sign", "np.sign(x)", jnp.sign, [XS]),
    ("square", "np.square(x)", jnp.square, [XS]),
    ("reciprocal", "np.reciprocal(x)", jnp.reciprocal, [POS]),
    ("abs", "np.abs(x)", jnp.abs, [XS]),
    ("clip", "np.clip(x, -1, 1.5)", lambda x: jnp.clip(x, -1, 1.5), [XS]),
    ("logistic_like", "np.divide(1, np.add(1, np.exp(np.negative(x))))", lambda x: 1 / (1 + jnp.exp(-x)), [XS]),
]


# ---------------------------------------------------------------- emit
def ts_str(s):
    return "`" + s.replace("\\", "\\\\").replace("`", "\\`").replace("${", "\\${") + "`"


def ts_num(v):
    v = float(v)
    if math.isnan(v):
        return "NaN"
    if math.isinf(v):
        return "Infinity" if v > 0 else "-Infinity"
    return repr(v)


def ts_list(xs):
    return "[" + ", ".join(ts_num(v) for v in np.asarray(xs).ravel()) + "]"


lines = [
    "// GENERATED by tools/golden.py from JAX " + jax.__version__ + " -- do not edit; rerun the script.",
    "/* eslint-disable */",
    'import * as jax from "../../ts/index.js";',
    'import { numpy as np } from "../../ts/index.js";',
    'import type { DType } from "../../ts/core/dtype.js";',
    "",
    "export const JAX_VERSION = " + repr(jax.__version__).replace("'", '"') + ";",
    "",
    "export interface PromotionRow { x: DType; xWeak: boolean; y: DType; yWeak: boolean; out: string; outWeak: boolean }",
    "",
    "/** jnp.add(x, y) result dtype and weak type, jax_enable_x64 disabled. */",
    "export const PROMOTION: PromotionRow[] = [",
]
for d1, w1, d2, w2, out, ow in PROMOTION:
    lines.append(f'  {{ x: "{d1}", xWeak: {str(w1).lower()}, y: "{d2}", yWeak: {str(w2).lower()}, out: "{out}", outWeak: {str(ow).lower()} }},')
lines += [
    "];",
    "",
    "/** Pairs involving float64, jax_enable_x64 enabled (int64/complex128 as JAX names them). */",
    "export const PROMOTION_F64: PromotionRow[] = [",
]
for d1, w1, d2, w2, out, ow in PROMOTION_F64:
    lines.append(f'  {{ x: "{d1}", xWeak: {str(w1).lower()}, y: "{d2}", yWeak: {str(w2).lower()}, out: "{out}", outWeak: {str(ow).lower()} }},')
lines += [
    "];",
    "",
    "/** The constant the closed_over_const case closes over. */",
    "export const C3 = np.array([1, 2, 3]);",
    "",
    "export interface JaxprCase { name: string; fn: (...args: any[]) => any; args: () => any[]; source: string; jax: string }",
    "",
    "/** make_jaxpr text from JAX, with the JS function webjax traces for it. */",
    "export const JAXPRS: JaxprCase[] = [",
]
for name, pyf, js, args in CASES:
    text = str(jax.make_jaxpr(pyf)(*[a[1] for a in args]))
    lines.append("  {")
    lines.append(f'    name: "{name}",')
    lines.append(f"    fn: {js},")
    lines.append(f"    args: () => [{', '.join(a[0] for a in args)}],")
    lines.append(f"    source: {ts_str(js)},")
    lines.append(f"    jax: {ts_str(text)},")
    lines.append("  },")
lines += [
    "];",
    "",
    "export interface ValueCase { name: string; expr: string; fn: (x: any, y?: any) => any; inputs: number[][]; expected: number[] }",
    "",
    "/** float32 outputs of JAX (cpu) on fixed float32 inputs. */",
    "export const VALUES: ValueCase[] = [",
]
for name, js, pyf, ins in VALUES:
    out = np.asarray(pyf(*[jnp.asarray(i) for i in ins]), np.float64)
    params = "(x: any, y?: any)"
    lines.append(
        f'  {{ name: "{name}", expr: {ts_str(js)}, fn: {params} => {js}, inputs: [{", ".join(ts_list(i) for i in ins)}], expected: {ts_list(out)} }},'
    )
lines += ["];", ""]

os.makedirs(os.path.dirname(OUT), exist_ok=True)
with open(OUT, "w") as f:
    f.write("\n".join(lines))
print(f"wrote {os.path.relpath(OUT)}: {len(PROMOTION)} + {len(PROMOTION_F64)} promotion rows, {len(CASES)} jaxprs, {len(VALUES)} value cases")
