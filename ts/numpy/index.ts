// The jax.numpy surface.

import { installArrayOps } from "../core/array.js";
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
  add: uf.add,
  subtract: uf.subtract,
  multiply: uf.multiply,
  divide: uf.divide,
  power: uf.power,
  negative: uf.negative,
  matmul: linalgFns.matmul,
  less: uf.less,
  lessEqual: uf.lessEqual,
  greater: uf.greater,
  greaterEqual: uf.greaterEqual,
  equal: uf.equal,
  notEqual: uf.notEqual,
  astype: (x, d) => astype(x, d),
  reshape: shape.reshape,
  transpose: shape.transpose,
  sum: red.sum,
  mean: red.mean,
  max: red.max,
  min: red.min,
  prod: red.prod,
  argmax: red.argmax,
  slice: idx.slice,
  at: idx.at,
});
void creation;
