// dot_general: contractions with batch dimensions (matmul, einsum and tensordot lower to it).

import { ShapedArray, prod, stridesOf } from "../core/aval.js";
import { DType, isComplex } from "../core/dtype.js";
import { shapeStr } from "../core/errors.js";
import { hostFromValues, hostValues } from "../core/host.js";
import { Primitive } from "../core/primitive.js";
import { checkDType, checkSameDTypes } from "./elementwise.js";
import { unravel } from "./layout.js";

/** ((lhs_contracting, rhs_contracting), (lhs_batch, rhs_batch)), as JAX spells it. */
export type DotDimensionNumbers = [[number[], number[]], [number[], number[]]];

export interface DotParams {
  dimension_numbers: DotDimensionNumbers;
  precision: null;
  preferred_element_type: DType | null;
}

function freeDims(ndim: number, contract: number[], batch: number[]): number[] {
  return Array.from({ length: ndim }, (_, i) => i).filter((i) => !contract.includes(i) && !batch.includes(i));
}

export function dotShape(lhs: readonly number[], rhs: readonly number[], dn: DotDimensionNumbers): number[] {
  const [[lc, rc], [lb, rb]] = dn;
  const bad = (msg: string) => new TypeError(`dot_general ${msg}: lhs ${shapeStr(lhs)}, rhs ${shapeStr(rhs)}, dimension_numbers ${JSON.stringify(dn)}.`);
  if (lc.length !== rc.length || lb.length !== rb.length) throw bad("requires equal numbers of contracting and of batch dimensions");
  if (lc.some((d, i) => lhs[d] !== rhs[rc[i]] || d >= lhs.length || rc[i] >= rhs.length)) throw bad("requires contracting dimensions to have the same size");
  if (lb.some((d, i) => lhs[d] !== rhs[rb[i]])) throw bad("requires batch dimensions to have the same size");
  return [...lb.map((d) => lhs[d]), ...freeDims(lhs.length, lc, lb).map((d) => lhs[d]), ...freeDims(rhs.length, rc, rb).map((d) => rhs[d])];
}

export const dotGeneral = new Primitive<DotParams>("dot_general", {
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
        } else re += va[ia] * vb[ib];
      }
      if (cplx) [out[2 * o], out[2 * o + 1]] = [re, im];
      else out[o] = outD === "int32" ? re | 0 : re;
    }
    return [hostFromValues(outShape, outD, out)];
  },
  printParams: ({ dimension_numbers: [[lc, rc], [lb, rb]], preferred_element_type }) => ({
    dimension_numbers: { toString: () => `(([${lc.join(", ")}], [${rc.join(", ")}]), ([${lb.join(", ")}], [${rb.join(", ")}]))` },
    preferred_element_type,
  }),
});

