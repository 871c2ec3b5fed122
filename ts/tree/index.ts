// jax.tree: the public pytree functions, checked and typed (structure in, structure out).
// The implementation is ts/core/tree.ts, which the library itself calls directly.

import { declare, declareAs } from "../core/signature.js";
import * as core from "../core/tree.js";
import type { LeafOf, MapLeaves } from "../core/tree_types.js";

export { TreeDef } from "../core/tree.js";
export type { Leaf } from "../core/tree_types.js";

/**
 * The leaves of a pytree (left to right, object keys sorted) and its structure.
 * @example const [leaves, def] = tree.flatten({b: 2, a: [1, x]})   // [[1, x, 2], PyTreeDef({'a': [*, *], 'b': *})]
 */
export const flatten: {
  <T>(tree: T): [LeafOf<T>[], core.TreeDef];
  (tree: unknown, isLeaf: ((x: any) => boolean) | undefined): [any[], core.TreeDef];
} =
  declareAs("tree.flatten", "tree, isLeaf?:fn", "", core.flatten);

/**
 * The pytree of structure `treedef` holding `leaves`.
 * @example tree.unflatten(tree.structure({a: 1, b: 2}), [10, 20])   // {a: 10, b: 20}
 */
export const unflatten: (treedef: core.TreeDef, leaves: Iterable<unknown>) => any = declare("tree.unflatten", "treedef, leaves", "", core.unflatten);

/**
 * Maps `f` over the leaves of one or more pytrees of the same structure; the result has that structure.
 * @example tree.map((a, b) => a + b, {x: 1, y: [2]}, {x: 10, y: [20]})  // {x: 11, y: [22]}
 */
export const map: <T, R>(f: (leaf: NoInfer<LeafOf<T>>, ...rest: any[]) => R, tree: T, ...rest: unknown[]) => MapLeaves<T, R> =
  declareAs("tree.map", "f:fn, tree, ...rest:data", "", core.map);

/** The leaves of a pytree. @example tree.leaves([1, {a: x}])   // [1, x] */
export const leaves: {
  <T>(tree: T): LeafOf<T>[];
  (tree: unknown, isLeaf: ((x: any) => boolean) | undefined): any[];
} = declareAs("tree.leaves", "tree, isLeaf?:fn", "", core.leaves);

/** The structure of a pytree, without its leaves. @example String(tree.structure([1, 2]))   // "PyTreeDef([*, *])" */
export const structure: (tree: unknown, isLeaf?: (x: any) => boolean) => core.TreeDef = declareAs("tree.structure", "tree, isLeaf?:fn", "", core.structure);

/**
 * Registers a class as a pytree node, with how to take it apart and put it back together.
 * @example
 * class Point { constructor(public x: Array, public y: Array) {} }
 * tree.registerPytreeNode(Point, (p) => [[p.x, p.y], null], (_, [x, y]) => new Point(x, y));
 */
export const registerPytreeNode: <T>(
  cls: abstract new (...args: any[]) => T,
  flatten: (x: T) => [any[], unknown],
  unflatten: (auxData: any, children: any[]) => T,
) => void = declareAs("tree.registerPytreeNode", "nodetype, flattenFunc:fn, unflattenFunc:fn", "", core.registerPytreeNode);
