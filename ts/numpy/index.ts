// The jax.numpy surface.

import { freeingIntermediates, installArrayOps } from "../core/array.js";
import { asMethod, implOf } from "../core/signature.js";
import { array, asarray, astype } from "./convert.js";
import * as creation from "./creation.js";
import * as idx from "./indexing.js";
import * as linalgFns from "./linalg.js";
import * as red from "./reductions.js";
import * as shape from "./shape.js";
import * as uf from "./ufuncs.js";

export { array, asarray, astype };
export * from "./creation.js";
export * from "./ufuncs.js";
export * from "./reductions.js";
export * from "./shape.js";
export * from "./linalg.js";
export * from "./manip.js";
export { IndexError } from "./indexing.js";

export { bool, complex64, float16, float32, float64, int32, uint32 } from "../core/dtype.js";

installArrayOps({
  add: implOf(uf.add),
  subtract: implOf(uf.subtract),
  multiply: implOf(uf.multiply),
  divide: implOf(uf.divide),
  power: implOf(uf.power),
  negative: implOf(uf.negative),
  matmul: freeingIntermediates(implOf(linalgFns.matmul)),
  less: implOf(uf.less),
  lessEqual: implOf(uf.lessEqual),
  greater: implOf(uf.greater),
  greaterEqual: implOf(uf.greaterEqual),
  equal: implOf(uf.equal),
  notEqual: implOf(uf.notEqual),
  astype: asMethod(astype, "x.astype"),
  reshape: implOf(shape.reshape),
  transpose: implOf(shape.transpose),
  sum: asMethod(red.sum, "x.sum"),
  mean: asMethod(red.mean, "x.mean"),
  max: asMethod(red.max, "x.max"),
  min: asMethod(red.min, "x.min"),
  prod: asMethod(red.prod, "x.prod"),
  argmax: asMethod(red.argmax, "x.argmax"),
  slice: freeingIntermediates(idx.slice),
  at: idx.at,
});
void creation;
