// lax.scan, lax.foriLoop with static bounds and lax.map (the `scan` primitive): values against
// JS loops, gradients against the unrolled loop and finite differences, checkpointed bodies,
// vmap against per-example loops, JAX's params and errors.

import * as jax from "../../ts/index.js";
import { Array, numpy as np } from "../../ts/index.js";
import { foriLoop, map, scan } from "../../ts/lax/control_flow.js";
import { checkGrads } from "../util/check_grads.js";
import { expectClose } from "../util/close.js";

const L = (x: Array) => x.tolistSync();
const f64 = (v: any) => np.array(v, { dtype: "float64" });
const TOL = { atol: 1e-12, rtol: 1e-10 };

// An RNN cell: h' = tanh(W h + x), emitting sum(h') each step; `unrolled` is the same in JS.
const cell = (W: Array) => (h: Array, x: Array): [Array, Array] => {
  const hn = np.tanh(W.matmul(h).add(x));
  return [hn, hn.sum()];
};
const rnn = (W: Array, h0: Array, xs: Array) => scan(cell(W), h0, xs);
function unrolled(W: Array, h0: Array, xs: Array, reverse = false): [Array, Array] {
  let h = h0;
  const ys: Array[] = new globalThis.Array(xs.shape[0]);
  for (let s = 0; s < xs.shape[0]; s++) {
    const i = reverse ? xs.shape[0] - 1 - s : s;
    [h, ys[i]] = cell(W)(h, xs.slice(i));
  }
  return [h, np.stack(ys)];
}
const loss = (run: typeof rnn) => (W: Array, h0: Array, xs: Array) => {
  const [h, ys] = run(W, h0, xs);
  return h.sum().add(ys.mul(ys).sum());
};
const W = f64([[0.5, -0.3], [0.2, 0.8]]);
const h0 = f64([0.1, -0.1]);
const XS = f64([[0.1, 0.2], [-0.3, 0.4], [0.5, -0.6], [0.05, 0.3]]);

describe("lax.scan: evaluation", () => {
  it("matches a JS loop, forwards and in reverse", () => {
    const [h, ys] = rnn(W, h0, XS);
    const [hr, ysr] = unrolled(W, h0, XS);
    expectClose(L(h), L(hr), TOL);
    expectClose(L(ys), L(ysr), TOL);
    const [h2, ys2] = scan(cell(W), h0, XS, { reverse: true });
    const [h2r, ys2r] = unrolled(W, h0, XS, true);
    expectClose(L(h2), L(h2r), TOL);
    expectClose(L(ys2), L(ys2r), TOL);
  });

  it("takes pytrees, scans without xs given a length, and emits null ys", () => {
    const [c, ys] = scan(
      (carry: any, x: any) => [{ n: carry.n.add(1), s: carry.s.add(x.a.mul(x.b[0])) }, { prod: x.a.mul(x.b[0]), n: carry.n }],
      { n: 0, s: f64(0) },
      { a: f64([1, 2, 3]), b: [f64([4, 5, 6])] },
    );
    expect(L(c.n)).toBe(3);
    expectClose(L(c.s), 32);
    expectClose(L(ys.prod), [4, 10, 18]);
    expect(L(ys.n)).toEqual([0, 1, 2]);
    const [p, none] = scan((q: Array) => [q.mul(2), null], f64(1), null, { length: 5 });
    expectClose(L(p), 32);
    expect(none).toBeNull();
    const [z, zs] = scan((q: Array) => [q.add(1), q], f64(1), null, { length: 0 });
    expectClose(L(z), 1);
    expect(zs.shape).toEqual([0]);
  });

  it("promotes a weakly typed initial carry to the body's dtype", () => {
    const [c] = scan((s: Array, x: Array) => [s.add(x), null], 0, np.array([1.5, 2.5]));
    expect(c.dtype).toBe("float32");
    expectClose(L(c), 4);
  });

  it("has JAX's params (unroll from bools) and runs under jit", () => {
    const text = String(jax.makeJaxpr((xs: Array) => scan((c: Array, x: Array) => [c.add(x), c], np.array(0), xs, { unroll: true }))(np.ones([3])));
    expect(text).toMatch(/scan\[\n\s+jaxpr=\{ lambda ; \w+:f32\[\] \w+:f32\[\]\. let/);
    for (const p of ["length=3", "num_carry=1", "num_consts=0", "reverse=False", "unroll=3"]) expect(text).toContain(p);
    expect(text).not.toContain("linear=");
    expect(text).not.toContain("_split_transpose");
    const jitted = jax.jit((W: Array, xs: Array) => rnn(W, h0, xs));
    expectClose(L(jitted(W, XS)[1]), L(unrolled(W, h0, XS)[1]), TOL);
  });

  it("raises JAX's errors", () => {
    const one = np.array(1);
    expect(() => scan((c: any, x: Array) => [[c[0], np.ones([2])], x], [one, np.ones([3])], np.ones([3]))).toThrowError(
      TypeError,
      "scan body function carry input and carry output must have equal types, but they differ:\n\n" +
        "The input carry component c[1] has type float32[3] but the corresponding output carry component has type float32[2], so the shapes do not match.\n\n" +
        "Revise the function so that all output types match the corresponding input types.",
    );
    expect(() => scan((c: any, x: Array) => [{ a: c.a, b: c.b.astype("int32") }, x], { a: one, b: one }, np.ones([3]))).toThrowError(
      TypeError, /The input carry component c\['b'\] has type float32\[\] .* int32\[\], so the dtypes do not match/);
    expect(() => scan(((c: Array, x: Array) => [[c, c], x]) as any, one, np.ones([3]))).toThrowError(
      TypeError, /scan body function carry input and carry output must have the same pytree structure, but they differ:\n\nThe input carry c is a pytree leaf/);
    expect(() => scan(([a, b]: Array[], x: Array) => [[a, b, b], x], [one, one], np.ones([3]))).toThrowError(
      TypeError, /The input carry is a list of length 2 but the corresponding component of the carry output is a list of length 3, so the lengths do not match/);
    expect(() => scan((c: Array, x: any) => [c, x], one, [np.ones([3]), np.ones([4])])).toThrowError(jax.ValueError, "scan got values with different leading axis sizes: 3, 4.");
    expect(() => scan((c: Array, x: any) => [c, x], one, null)).toThrowError(jax.ValueError, "scan got no values to scan over and `length` not provided.");
    expect(() => scan((c: Array, x: Array) => [c, x], one, np.ones([3]), { length: 4 })).toThrowError(
      jax.ValueError, "scan got `length` argument of 4 which disagrees with leading axis sizes [3].");
    expect(() => scan((c: Array, x: Array) => [c, x], one, 3)).toThrowError(jax.ValueError, /scan got value with no leading axis to scan over/);
    expect(() => scan(((c: Array) => c) as any, one, np.ones([3]))).toThrowError(TypeError, /^scan body output must be a pair, got /);
    expect(() => scan((c: Array, x: Array) => [c, x], one, np.ones([3]), { unroll: -1 })).toThrowError(jax.ValueError, "`unroll` must be a `bool` or a non-negative `int`.");
  });
});

describe("lax.scan: differentiation", () => {
  it("grad through scan equals grad of the unrolled loop (consts, init and xs)", () => {
    const g = jax.grad(loss(rnn), { argnums: [0, 1, 2] })(W, h0, XS);
    const r = jax.grad(loss(unrolled), { argnums: [0, 1, 2] })(W, h0, XS);
    g.forEach((gi: Array, i: number) => expectClose(L(gi), L(r[i]), TOL));
    const rev = (W_: Array, h: Array, xs: Array) => scan(cell(W_), h, xs, { reverse: true });
    const gr = jax.grad(loss(rev), { argnums: [0, 2] })(W, h0, XS);
    const rr = jax.grad(loss((a, b, c) => unrolled(a, b, c, true)), { argnums: [0, 2] })(W, h0, XS);
    gr.forEach((gi: Array, i: number) => expectClose(L(gi), L(rr[i]), TOL));
  });

  it("jvp and vjp agree with the unrolled loop, keeping symbolic zeros", () => {
    const tW = f64([[1, 0.5], [-0.5, 2]]);
    const [, t] = jax.jvp((a: Array) => rnn(a, h0, XS), [W], [tW]);
    const [, tr] = jax.jvp((a: Array) => unrolled(a, h0, XS), [W], [tW]);
    expectClose(L(t[0]), L(tr[0]), TOL);
    expectClose(L(t[1]), L(tr[1]), TOL);
    // Only xs carries a tangent; an integer counter in the carry has none.
    const counted = (xs: Array) => scan(([n, s]: Array[], x: Array) => [[n.add(1), s.add(x.mul(x))], s], [0, f64(0)], xs);
    const [, [[tn, ts], tys]] = jax.jvp(counted, [f64([1, 2, 3])], [f64([1, 1, 1])]);
    expect(tn.dtype).toBe("int32");
    expectClose(L(ts), 12);
    expectClose(L(tys), [0, 2, 6]);
    const [, pull] = jax.vjp((xs: Array) => rnn(W, h0, xs)[1], XS);
    const [, pullR] = jax.vjp((xs: Array) => unrolled(W, h0, xs)[1], XS);
    const ct = f64([1, -2, 0.5, 3]);
    expectClose(L(pull(ct)[0]), L(pullR(ct)[0]), TOL);
  });

  it("matches finite differences to second order in both modes", () => {
    checkGrads((a: Array, b: Array, c: Array) => rnn(a, b, c), [W, h0, XS.slice([0, 3])], { order: 2, atol: 1e-4, rtol: 1e-4 });
    // A carry that multiplies (a product of xs), a const used twice, and reverse.
    const prodScan = (w: Array, xs: Array) => scan((c: Array, x: Array) => [c.mul(x).add(w), np.sin(c.mul(w))], f64(0.7), xs, { reverse: true });
    checkGrads(prodScan, [f64(0.4), f64([0.9, -1.1, 1.3])], { order: 2, atol: 1e-4, rtol: 1e-4 });
  });

  it("hessian through scan equals the unrolled loop's", () => {
    const hs = jax.hessian((a: Array) => loss(rnn)(a, h0, XS))(W);
    const hr = jax.hessian((a: Array) => loss(unrolled)(a, h0, XS))(W);
    expectClose(L(hs), L(hr), TOL);
  });

  it("checkpoint of the scan body (remat of scan) gives the same gradients", () => {
    const ck = (W_: Array, h: Array, xs: Array) => scan(jax.checkpoint(cell(W_)), h, xs);
    const pol = (W_: Array, h: Array, xs: Array) => scan(jax.checkpoint(cell(W_), { policy: jax.checkpointPolicies.dotsSaveable }), h, xs);
    const r = jax.grad(loss(unrolled), { argnums: [0, 2] })(W, h0, XS);
    for (const run of [ck, pol]) {
      const g = jax.grad(loss(run), { argnums: [0, 2] })(W, h0, XS);
      g.forEach((gi: Array, i: number) => expectClose(L(gi), L(r[i]), TOL));
    }
    // The backward scan recomputes tanh from what the forward scan saved.
    const text = String(jax.makeJaxpr(jax.grad((a: Array) => loss(ck)(a, h0, XS)))(W));
    expect(text.match(/scan\[/g)!.length).toBe(2);
    expect(text).toContain("remat2");
  });

  it("saves loop-invariant consts once instead of stacking them per iteration", () => {
    const text = String(jax.makeJaxpr(jax.grad((xs: Array) => loss(rnn)(W, h0, xs)))(XS));
    expect(text).not.toMatch(/f64\[4,2,2\]/);
    expect(text.match(/scan\[/g)!.length).toBe(2);
  });

  it("grad of a jitted scan and jax.linearize of a scan", () => {
    const g = jax.grad(jax.jit(loss(rnn)))(W, h0, XS);
    expectClose(L(g), L(jax.grad(loss(unrolled))(W, h0, XS)), TOL);
    const [y, fLin] = jax.linearize((xs: Array) => rnn(W, h0, xs)[1], XS);
    expectClose(L(y), L(unrolled(W, h0, XS)[1]), TOL);
    const tx = np.onesLike(XS);
    expectClose(L(fLin(tx)), L(jax.jvp((xs: Array) => unrolled(W, h0, xs)[1], [XS], [tx])[1]), TOL);
  });
});

describe("lax.scan: vmap", () => {
  const Ws = np.stack([W, W.mul(-0.5), W.T]);
  const perExample = (fn: (i: number) => Array[]) => [0, 1, 2].map(fn);

  it("matches a loop over examples whatever is batched (consts, init, xs on any axis)", () => {
    const [hB, ysB] = jax.vmap((a: Array) => rnn(a, h0, XS))(Ws);
    perExample((i) => unrolled(Ws.slice(i), h0, XS)).forEach(([h, ys], i) => {
      expectClose(L(hB.slice(i)), L(h), TOL);
      expectClose(L(ysB.slice(i)), L(ys), TOL);
    });
    const H0 = f64([[0.1, -0.1], [1, 2], [0, 0]]);
    const [hI] = jax.vmap((h: Array) => rnn(W, h, XS))(H0);
    perExample((i) => unrolled(W, H0.slice(i), XS)).forEach(([h], i) => expectClose(L(hI.slice(i)), L(h), TOL));
    // xs mapped along their second axis: each example scans its own sequence.
    const XB = np.stack([XS, XS.mul(2), XS.neg()], { axis: 1 });
    const [, ysX] = jax.vmap((xs: Array) => rnn(W, h0, xs), { inAxes: 1 })(XB);
    perExample((i) => unrolled(W, h0, XB.slice(null, i))).forEach(([, ys], i) => expectClose(L(ysX.slice(i)), L(ys), TOL));
  });

  it("vmap of grad and of jvp through scan", () => {
    const gB = jax.vmap(jax.grad(loss(rnn)), { inAxes: [0, null, null] })(Ws, h0, XS);
    perExample((i) => [jax.grad(loss(unrolled))(Ws.slice(i), h0, XS)]).forEach(([g], i) => expectClose(L(gB.slice(i)), L(g), TOL));
    const tB = jax.vmap((a: Array) => jax.jvp((b: Array) => loss(rnn)(b, h0, XS), [a], [np.onesLike(a)])[1])(Ws);
    perExample((i) => [jax.jvp((b: Array) => loss(unrolled)(b, h0, XS), [Ws.slice(i)], [np.onesLike(W)])[1]]).forEach(([t], i) => expectClose(L(tB.slice(i)), L(t), TOL));
  });
});

describe("lax.foriLoop (static bounds) and lax.map", () => {
  it("foriLoop with static bounds lowers to scan and is reverse-differentiable", () => {
    const f = (x: Array) => foriLoop(1, 4, (i: Array, v: Array) => v.mul(x).add(i.astype("float64")), x);
    // v1 = x·x + 1, v2 = v1·x + 2, v3 = v2·x + 3
    const ref = (x: number) => ((x * x + 1) * x + 2) * x + 3;
    expectClose(L(f(f64(1.5))), ref(1.5));
    expectClose(L(jax.grad(f)(f64(1.5))), 4 * 1.5 ** 3 + 2 * 1.5 + 2);
    const text = String(jax.makeJaxpr(f)(f64(1.5)));
    expect(text).toContain("scan[");
    expect(text).toContain("length=3");
    expect(text).not.toContain("while[");
    expectClose(L(foriLoop(5, 2, (_: Array, v: Array) => v.mul(2), f64(1))), 1);
    expectClose(L(foriLoop(0, 4, (_: Array, v: Array) => v.mul(2), f64(1), { unroll: 2 })), 16);
    checkGrads((x: Array) => foriLoop(0, 3, (i: Array, v: Array) => np.sin(v.mul(x)), x), [f64(0.8)], { order: 2, atol: 1e-4, rtol: 1e-4 });
  });

  it("map applies f along the leading axis, in batches with a remainder, differentiably", () => {
    const xs = f64([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7]);
    const f = (x: Array) => np.sin(x).mul(x);
    const ref = L(xs).map((v: number) => Math.sin(v) * v);
    expectClose(L(map(f, xs)), ref, TOL);
    for (const batchSize of [0, 2, 3, 7, 9]) expectClose(L(map(f, xs, { batchSize })), ref, TOL);
    const pairs = map(([a, b]: Array[]) => ({ s: a.add(b), p: a.mul(b) }), [f64([1, 2]), f64([3, 4])]);
    expectClose(L(pairs.s), [4, 6]);
    expectClose(L(pairs.p), [3, 8]);
    const g = jax.grad((v: Array) => map(f, v, { batchSize: 3 }).sum())(xs);
    expectClose(L(g), L(xs).map((v: number) => Math.sin(v) + v * Math.cos(v)), TOL);
    expect(String(jax.makeJaxpr((v: Array) => map(f, v))(xs))).toContain("scan[");
  });
});
