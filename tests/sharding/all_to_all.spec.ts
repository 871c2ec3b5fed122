// allToAll on the worker devices (each device's program on its own thread, the collective an
// OP_COLLECTIVE), for every kind of split/concat pair, tiled and not, over 2, 4 and 8 devices,
// against a plain JS reference (and two of JAX 0.10.2's results). The lowering once took the
// shape of the rows it exchanged from the buffer a contiguous view materialized as, rather than
// from the view: where they differed (pmap's block [1, ...] read as [...], a tiled split of a
// block read as [n, rest, ...]) the member axis went to the wrong place when split < concat,
// while vmap and the one-program fallback were right.
import * as jax from "../../ts/index.js";
import { Array, lax, numpy as np } from "../../ts/index.js";

/** Row-major strides of `shape`. */
const stridesOf = (shape: number[]) => shape.map((_, i) => shape.slice(i + 1).reduce((a, b) => a * b, 1));
const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);
/** The multi-index of flat position `f` in `shape`. */
const unflat = (f: number, shape: number[]) => stridesOf(shape).map((s, i) => Math.floor(f / s) % shape[i]);
const flat = (idx: number[], shape: number[]) => idx.reduce((acc, k, i) => acc + k * stridesOf(shape)[i], 0);

/**
 * JAX's all_to_all over n members in plain JS: blocks[r] (shape `shape`, flat) is member r's
 * input; returns each member's output (flat) and the output shape.
 */
function reference(blocks: number[][], shape: number[], s: number, c: number, tiled: boolean): { outs: number[][]; outShape: number[] } {
  const n = blocks.length;
  if (!tiled) {
    // Member d's output: the split axis dropped, the member axis inserted at c; element
    // [.., r at c, ..] is member r's element with d on the split axis.
    const rest = shape.filter((_, i) => i !== s);
    const outShape = [...rest];
    outShape.splice(c, 0, n);
    const outs = blocks.map((_, d) => globalThis.Array.from({ length: size(outShape) }, (_, f) => {
      const idx = unflat(f, outShape);
      const r = idx[c];
      const restIdx = idx.filter((_, i) => i !== c);
      const inIdx = [...restIdx];
      inIdx.splice(s, 0, d);
      return blocks[r][flat(inIdx, shape)];
    }));
    return { outs, outShape };
  }
  // Tiled: chunk d (of n) of every member's split axis, concatenated along c in member order.
  const mid = [...shape];
  mid[s] /= n;
  const outShape = [...mid];
  outShape[c] *= n;
  const outs = blocks.map((_, d) => globalThis.Array.from({ length: size(outShape) }, (_, f) => {
    const idx = unflat(f, outShape);
    const r = Math.floor(idx[c] / mid[c]);
    const inIdx = [...idx];
    inIdx[c] = idx[c] % mid[c];
    inIdx[s] = d * mid[s] + inIdx[s];
    return blocks[r][flat(inIdx, shape)];
  }));
  return { outs, outShape };
}

describe("allToAll on the worker devices", () => {
  let backend: any;
  beforeAll(() => {
    backend = jax.getBackend("wasm");
  });
  const onDevices = (): boolean => {
    const why = backend.whyDevicesSerial();
    if (why) pending(`the devices run one at a time here: ${why}`);
    return !why;
  };

  // [split, concat, tiled]; every block is rank 3 (the split axis has n, or 2n when tiled, entries).
  const PAIRS: [number, number, boolean][] = [
    [0, 1, false], [0, 2, false], [1, 2, false], [0, 0, false], [1, 1, false], [1, 0, false], [2, 0, false], [2, 1, false],
    [0, 1, true], [0, 2, true], [1, 2, true], [0, 0, true], [2, 2, true], [1, 0, true], [2, 0, true], [2, 1, true],
  ];
  const blockShape = (n: number, s: number, tiled: boolean) => [2, 3, 2].map((k, i) => (i === s ? (tiled ? 2 * n : n) : k));

  for (const n of [2, 4, 8]) {
    it(`pmap over ${n} devices: every split/concat pair, tiled and not, gives JAX's values`, () => {
      if (!onDevices()) return;
      for (const [s, c, tiled] of PAIRS) {
        const shape = blockShape(n, s, tiled);
        const blocks = globalThis.Array.from({ length: n }, (_, r) => globalThis.Array.from({ length: size(shape) }, (_, f) => r * 1000 + f));
        const { outs, outShape } = reference(blocks, shape, s, c, tiled);
        const x = np.array(blocks.flat()).astype("float32").reshape([n, ...shape]);
        const what = `n=${n} split=${s} concat=${c} tiled=${tiled}`;
        const runs = backend.stats.deviceRuns;
        const y = jax.pmap((u: Array) => lax.allToAll(u, "i", s, c, { tiled }), "i")(x);
        expect(backend.stats.deviceRuns).withContext(`${what}: ran on the devices`).toBe(runs + 1);
        expect(y.shape).withContext(what).toEqual([n, ...outShape]);
        expect(globalThis.Array.from(y.dataSync())).withContext(what).toEqual(outs.flat());
        // The same pair on a block that is a computed temporary (its buffer has the block's shape).
        const z = jax.pmap((u: Array) => lax.allToAll(u.add(1), "i", s, c, { tiled }).sub(1), "i")(x);
        expect(globalThis.Array.from(z.dataSync())).withContext(`${what} (computed block)`).toEqual(outs.flat());
      }
    });

    it(`shardMap over ${n} devices: every split/concat pair, tiled and not, gives JAX's values`, () => {
      if (!onDevices()) return;
      const mesh = jax.makeMesh([n], ["x"]);
      for (const [s, c, tiled] of PAIRS) {
        const shape = blockShape(n, s, tiled);
        const blocks = globalThis.Array.from({ length: n }, (_, r) => globalThis.Array.from({ length: size(shape) }, (_, f) => r * 1000 + f));
        const { outs, outShape } = reference(blocks, shape, s, c, tiled);
        // Blocks along axis 0 of the global array in, device outputs stacked along a new axis 0 out.
        const x = np.array(blocks.flat()).astype("int32").reshape([n * shape[0], ...shape.slice(1)]);
        const what = `n=${n} split=${s} concat=${c} tiled=${tiled}`;
        const runs = backend.stats.deviceRuns;
        const y = jax.shardMap((u: Array) => lax.allToAll(u, "x", s, c, { tiled }).reshape([1, ...outShape]), { mesh, inSpecs: jax.P("x"), outSpecs: jax.P("x") })(x);
        expect(backend.stats.deviceRuns).withContext(`${what}: ran on the devices`).toBe(runs + 1);
        expect(y.shape).withContext(what).toEqual([n, ...outShape]);
        expect(globalThis.Array.from(y.dataSync())).withContext(what).toEqual(outs.flat());
      }
    });
  }

  it("gives JAX 0.10.2's values for the reported cases (split 0, concat 1)", () => {
    if (!onDevices()) return;
    const runs = backend.stats.deviceRuns;
    const a = jax.pmap((u: Array) => lax.allToAll(u, "i", 0, 1), "i")(np.arange(32).reshape([4, 4, 2]).astype("float32"));
    expect(a.tolistSync()).toEqual([
      [[0, 8, 16, 24], [1, 9, 17, 25]], [[2, 10, 18, 26], [3, 11, 19, 27]], [[4, 12, 20, 28], [5, 13, 21, 29]], [[6, 14, 22, 30], [7, 15, 23, 31]],
    ]);
    const b = jax.shardMap((u: Array) => lax.allToAll(u, "x", 0, 1, { tiled: true }), { mesh: jax.makeMesh([2], ["x"]), inSpecs: jax.P("x"), outSpecs: jax.P(null, "x") })(
      np.arange(16).reshape([4, 4]).astype("float32"));
    expect(b.tolistSync()).toEqual([[0, 1, 2, 3, 8, 9, 10, 11, 4, 5, 6, 7, 12, 13, 14, 15]]);
    expect(backend.stats.deviceRuns).toBe(runs + 2);
  });

  it("agrees with vmap (and the transpose rule) for split < concat", () => {
    if (!onDevices()) return;
    for (const tiled of [false, true]) {
      const x = np.arange(4 * 4 * 8 * 3).astype("float32").reshape([4, 4, 8, 3]);
      const f = (u: Array) => lax.allToAll(u, "i", 0, 2, { tiled });
      expect(jax.pmap(f, "i")(x).tolistSync()).withContext(`tiled=${tiled}`).toEqual(jax.vmap(f, { axisName: "i" })(x).tolistSync());
      // The gradient runs all_to_all back (concat -> split) on the devices too.
      const loss = (u: Array) => {
        const y = f(u);
        return y.mul(np.arange(y.size).reshape(y.shape).astype("float32")).sum();
      };
      const g = jax.pmap(jax.grad(loss), "i")(x);
      const gv = jax.vmap(jax.grad(loss), { axisName: "i" })(x);
      expect(g.tolistSync()).withContext(`grad tiled=${tiled}`).toEqual(gv.tolistSync());
    }
  });
});
