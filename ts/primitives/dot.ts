// dot_general: contractions with batch dimensions (matmul, einsum and tensordot lower to it).

import type { Array } from "../core/array.js";
import { ShapedArray, prod, stridesOf } from "../core/aval.js";
import { DType, isComplex } from "../core/dtype.js";
import { shapeStr } from "../core/errors.js";
import { hostFromValues, hostValues } from "../core/host.js";
import { Primitive } from "../core/primitive.js";
import { bind1 } from "../core/trace.js";
import { addTangents, convert, isDifferentiable, isUndefined } from "../transforms/ad_util.js";
import { moveaxis } from "../transforms/batch_util.js";
import { checkDType, checkSameDTypes } from "./elementwise.js";
import { transpose, unravel } from "./layout.js";

/** ((lhs_contracting, rhs_contracting), (lhs_batch, rhs_batch)), as JAX spells it. */
export type DotDimensionNumbers = [[number[], number[]], [number[], number[]]];

export interface DotParams {
  dimension_numbers: DotDimensionNumbers;
  precision: null;
  preferred_element_type: DType | null;
}

function freeDims(ndim: number, contract: number[], batch: number[]): number[] {
  return globalThis.Array.from({ length: ndim }, (_, i) => i).filter((i) => !contract.includes(i) && !batch.includes(i));
}

export function dotShape(lhs: readonly number[], rhs: readonly number[], dn: DotDimensionNumbers): number[] {
  const [[lc, rc], [lb, rb]] = dn;
  const bad = (msg: string) => new TypeError(`dot_general ${msg}: lhs ${shapeStr(lhs)}, rhs ${shapeStr(rhs)}, dimension_numbers ${JSON.stringify(dn)}.`);
  if (lc.length !== rc.length || lb.length !== rb.length) throw bad("requires equal numbers of contracting and of batch dimensions");
  if (lc.some((d, i) => lhs[d] !== rhs[rc[i]] || d >= lhs.length || rc[i] >= rhs.length)) throw bad("requires contracting dimensions to have the same size");
  if (lb.some((d, i) => lhs[d] !== rhs[rb[i]])) throw bad("requires batch dimensions to have the same size");
  return [...lb.map((d) => lhs[d]), ...freeDims(lhs.length, lc, lb).map((d) => lhs[d]), ...freeDims(rhs.length, rc, rb).map((d) => rhs[d])];
}

export const dotGeneral: Primitive<DotParams> = new Primitive<DotParams>("dot_general", {
  abstractEval([a, b], { dimension_numbers, preferred_element_type }) {
    checkSameDTypes("dot_general", [a, b]);
    checkDType("dot_general", a.dtype, "numeric");
    const shape = dotShape(a.shape, b.shape, dimension_numbers);
    return [new ShapedArray(shape, preferred_element_type ?? a.dtype, a.weakType && b.weakType)];
  },
  cpu([a, b], { dimension_numbers: [[lc, rc], [lb, rb]], preferred_element_type }) {
    const outShape = dotShape(a.shape, b.shape, [[lc, rc], [lb, rb]]);
    const outD = preferred_element_type ?? a.dtype;
    const [va, vb] = [hostValues(a), hostValues(b)];
    const [sa, sb] = [stridesOf(a.shape), stridesOf(b.shape)];
    const [lf, rf] = [freeDims(a.shape.length, lc, lb), freeDims(b.shape.length, rc, rb)];
    const kShape = lc.map((d) => a.shape[d]);
    const K = prod(kShape);
    const n = prod(outShape);
    const cplx = isComplex(a.dtype);
    const out = new Float64Array(cplx ? 2 * n : n);
    const intOut = (outD === "int32" || outD === "uint32") && (a.dtype === "int32" || a.dtype === "uint32");
    const oc: number[] = [], kc: number[] = [];
    for (let o = 0; o < n; o++) {
      unravel(o, outShape, oc);
      let baseA = 0, baseB = 0, p = 0;
      lb.forEach((d, i) => { baseA += oc[p] * sa[d]; baseB += oc[p++] * sb[rb[i]]; });
      lf.forEach((d) => (baseA += oc[p++] * sa[d]));
      rf.forEach((d) => (baseB += oc[p++] * sb[d]));
      let re = 0, im = 0;
      for (let k = 0; k < K; k++) {
        unravel(k, kShape, kc);
        let ia = baseA, ib = baseB;
        lc.forEach((d, i) => { ia += kc[i] * sa[d]; ib += kc[i] * sb[rc[i]]; });
        if (cplx) {
          re += va[2 * ia] * vb[2 * ib] - va[2 * ia + 1] * vb[2 * ib + 1];
          im += va[2 * ia] * vb[2 * ib + 1] + va[2 * ia + 1] * vb[2 * ib];
        } else if (intOut) re = (re + Math.imul(va[ia], vb[ib])) | 0;  // integer dots wrap, as XLA's do
        else re += va[ia] * vb[ib];
      }
      if (cplx) [out[2 * o], out[2 * o + 1]] = [re, im];
      else out[o] = outD === "int32" ? re | 0 : outD === "uint32" ? re >>> 0 : re;
    }
    return [hostFromValues(outShape, outD, out)];
  },
  printParams: ({ dimension_numbers: [[lc, rc], [lb, rb]], preferred_element_type }) => ({
    dimension_numbers: { toString: () => `(([${lc.join(", ")}], [${rc.join(", ")}]), ([${lb.join(", ")}], [${rb.join(", ")}]))` },
    preferred_element_type,
  }),
  // Bilinear: d(a.b) = da.b + a.db.
  jvp([a, b], [ta, tb], p) {
    const out = bind1(dotGeneral, [a, b], p);
    if (!isDifferentiable(out.dtype)) return [[out], [null]];
    return [[out], [addTangents(ta && bind1(dotGeneral, [ta, b], p), tb && bind1(dotGeneral, [a, tb], p))]];
  },
  transpose([ct], [a, b], { dimension_numbers: dn }) {
    if (isUndefined(a) && isUndefined(b)) throw new TypeError("dot_general is not linear in both operands at once; one must be known to transpose it.");
    if (isUndefined(a)) return [transposeLhs(ct, a.aval, b as Array, dn, false), null];
    if (isUndefined(b)) {
      const [[lc, rc], [lb, rb]] = dn;
      return [null, transposeLhs(ct, b.aval, a as Array, [[rc, lc], [rb, lb]], true)];
    }
    return [null, null];
  },
  batch([a, b], [da, db], p) {
    const [[lc, rc], [lb, rb]] = p.dimension_numbers;
    const inc = (xs: number[]) => xs.map((d) => d + 1);
    if (da !== null && db !== null) {
      // Both mapped: the mapped axis becomes a leading batch dimension.
      const dn: DotDimensionNumbers = [[inc(lc), inc(rc)], [[0, ...inc(lb)], [0, ...inc(rb)]]];
      return [[bind1(dotGeneral, [moveaxis(a, da, 0), moveaxis(b, db, 0)], { ...p, dimension_numbers: dn })], [0]];
    }
    // One mapped: it becomes that operand's last free dimension (no renumbering needed).
    if (da !== null) {
      const out = bind1(dotGeneral, [moveaxis(a, da, a.ndim - 1), b], p);
      return [[out], [lb.length + freeDims(a.ndim, lc, lb).length - 1]];
    }
    const out = bind1(dotGeneral, [a, moveaxis(b, db!, b.ndim - 1)], p);
    return [[out], [out.ndim - 1]];
  },
});

const range = (from: number, n: number) => globalThis.Array.from({ length: n }, (_, i) => from + i);
const argsort = (xs: number[]) => xs.map((_, i) => i).sort((i, j) => xs[i] - xs[j]);

/**
 * JAX's `_dot_general_transpose_lhs`: the cotangent of the lhs `x` is ct contracted with `y`
 * over y's free dimensions, then transposed back into x's layout. With `swapAns` (the rhs
 * case, the dimension numbers swapped) y's free dimensions come first in ct.
 */
function transposeLhs(ct: Array, x: ShapedArray, y: Array, [[xc, yc], [xb, yb]]: DotDimensionNumbers, swapAns: boolean): Array {
  const xKept = freeDims(x.ndim, xc, xb);
  const yKept = freeDims(y.ndim, yc, yb);
  const ansBatch = range(0, xb.length);
  const ansY = range(xb.length + (swapAns ? 0 : xKept.length), yKept.length);
  const dn: DotDimensionNumbers = [[ansY, yKept], [ansBatch, yb]];
  const xContractSortedByY = argsort(yc).map((i) => xc[i]);
  const outAxes = argsort([...xb, ...xKept, ...xContractSortedByY]);
  // Operands must share a dtype (ct may have a preferred_element_type).
  const g = convert(ct, y.dtype, ct.weakType);
  const d = bind1(dotGeneral, [g, y], { dimension_numbers: dn, precision: null, preferred_element_type: null });
  const out = outAxes.every((a, i) => a === i) ? d : bind1(transpose, [d], { permutation: outAxes });
  return convert(out, x.dtype, out.weakType);
}

