// NumPy indexing (`x.slice(...)`, `x.at(...)`). Filled in with the indexing primitives.

import { Array, AtIndexer, IndexSpec } from "../core/array.js";

export function slice(x: Array, specs: IndexSpec[]): Array {
  void x; void specs;
  throw new Error("x.slice(...) is not implemented yet.");
}

export function at(x: Array, specs: IndexSpec[]): AtIndexer {
  void x; void specs;
  throw new Error("x.at(...) is not implemented yet.");
}
