import { numpy as np, tree } from "../../ts/index.js";
import { TreeDef } from "../../ts/core/tree.js";

class Point {
  constructor(public x: any, public y: any, public label = "p") {}
}
tree.registerPytreeNode(Point, (p) => [[p.x, p.y], p.label], (label, [x, y]) => new Point(x, y, label));

describe("tree", () => {
  it("flattens nested arrays in order and unflattens them back", () => {
    const t = [1, [2, [3, 4]], [], 5];
    const [leaves, def] = tree.flatten(t);
    expect(leaves).toEqual([1, 2, 3, 4, 5]);
    expect(def.numLeaves).toBe(5);
    expect(tree.unflatten(def, leaves)).toEqual(t);
    expect(def.toString()).toBe("PyTreeDef([*, [*, [*, *]], [], *])");
  });

  it("orders object keys as sorted (like Python dicts)", () => {
    const t = { b: 2, a: 1, c: { z: 26, y: 25 } };
    const [leaves, def] = tree.flatten(t);
    expect(leaves).toEqual([1, 2, 25, 26]);
    expect(def.toString()).toBe("PyTreeDef({'a': *, 'b': *, 'c': {'y': *, 'z': *}})");
    expect(tree.unflatten(def, leaves)).toEqual({ a: 1, b: 2, c: { y: 25, z: 26 } });
    // Insertion order does not matter for structure.
    expect(tree.structure({ a: 0, b: 0 }).equals(tree.structure({ b: 0, a: 0 }))).toBeTrue();
  });

  it("treats null and undefined as empty subtrees", () => {
    const t = { a: null, b: [undefined, 1] };
    const [leaves, def] = tree.flatten(t);
    expect(leaves).toEqual([1]);
    expect(def.toString()).toBe("PyTreeDef({'a': None, 'b': [undefined, *]})");
    expect(tree.unflatten(def, [7])).toEqual({ a: null, b: [undefined, 7] });
  });

  it("keeps Arrays, numbers and booleans as leaves", () => {
    const x = np.ones([2]);
    const [leaves] = tree.flatten({ x, n: 3, flag: true, s: "str" });
    expect(leaves.length).toBe(4);
    expect(leaves).toContain(x);
  });

  it("handles registered classes with aux data", () => {
    const p = new Point(1, [2, 3], "q");
    const [leaves, def] = tree.flatten(p);
    expect(leaves).toEqual([1, 2, 3]);
    expect(def.toString()).toBe('PyTreeDef(CustomNode(Point["q"], [*, [*, *]]))');
    const back = tree.unflatten(def, [10, 20, 30]);
    expect(back instanceof Point).toBeTrue();
    expect(back.x).toBe(10);
    expect(back.y).toEqual([20, 30]);
    expect(back.label).toBe("q");
    // Different aux data means a different structure.
    expect(tree.structure(new Point(1, 2, "a")).equals(tree.structure(new Point(1, 2, "b")))).toBeFalse();
    expect(tree.structure(new Point(1, 2, "a")).equals(tree.structure(new Point(5, 6, "a")))).toBeTrue();
  });

  it("compares treedefs structurally", () => {
    const s = (x: any) => tree.structure(x);
    expect(s([1, { a: 2 }]).equals(s([3, { a: 4 }]))).toBeTrue();
    expect(s([1, { a: 2 }]).equals(s([1, { b: 2 }]))).toBeFalse();
    expect(s([1, 2]).equals(s([1, [2]]))).toBeFalse();
    expect(s([null]).equals(s([undefined]))).toBeFalse();
    expect(s(1) instanceof TreeDef).toBeTrue();
    expect(String(s(1))).toBe("PyTreeDef(*)");
  });

  it("stops at isLeaf", () => {
    const [leaves, def] = tree.flatten([[1, 2], [3]], (x) => Array.isArray(x) && x.length === 1);
    expect(leaves).toEqual([1, 2, [3]]);
    expect(def.numLeaves).toBe(3);
  });

  it("rejects the wrong number of leaves", () => {
    const def = tree.structure([1, 2]);
    expect(() => tree.unflatten(def, [1])).toThrowError(/Too few leaves/);
    expect(() => tree.unflatten(def, [1, 2, 3])).toThrowError(/Too many leaves/);
  });

  it("maps over several trees and reports structure mismatches", () => {
    expect(tree.map((a: number, b: number) => a + b, { x: 1, y: [2] }, { x: 10, y: [20] })).toEqual({ x: 11, y: [22] });
    expect(tree.leaves(tree.map((a: number) => a * 2, new Point(1, 2)))).toEqual([2, 4]);
    let err: any;
    try {
      tree.map((a: number, b: number) => a + b, { x: 1, y: [2] }, { x: 10, y: 20 });
    } catch (e) {
      err = e;
    }
    expect(err?.name).toBe("ValueError");
    expect(err?.message).toContain("PyTreeDef({'x': *, 'y': *})");
    expect(err?.message).toContain("PyTreeDef({'x': *, 'y': [*]})");
  });

  it("leaves and structure agree with flatten", () => {
    const t = { a: [1, 2], b: new Point(3, 4) };
    expect(tree.leaves(t)).toEqual(tree.flatten(t)[0]);
    expect(tree.structure(t).equals(tree.flatten(t)[1])).toBeTrue();
  });
});
