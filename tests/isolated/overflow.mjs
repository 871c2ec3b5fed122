// isolated: node timeout=240
// Issue 17 item 2: element counts past 2^31 and 2^32 through fused reductions, which never
// store their input (so no big allocation is needed): exact or float32-close to float64, never
// a hang, a wrapped count or a division by zero. On the old core the 46341-vector product hung
// (a red count past 2^31 wrapped negative) and the 65536-vector one divided by zero.
// A sentinel array is checked after every case: nothing may write outside its buffer.
import { assert, check, done, webjax } from "./harness.mjs";

const np = webjax.numpy;
await webjax.init();

const sentinel = np.arange(1000).astype("float32").mul(3).add(1);
const sentinelBits = sentinel.dataSync().slice();
const sentinelIntact = () => assert(sentinel.dataSync().every((v, i) => Object.is(v, sentinelBits[i])), "the sentinel array changed");

// A float32 sum of n terms in 64 chunks is within ~64 roundings of the exact value.
const close32 = (got, exact) => Math.abs(got - exact) <= 4e-6 * Math.abs(exact);

const outer = webjax.jit((a, b) => a.reshape([-1, 1]).mul(b).sum());
for (const n of [46340, 46341, 65536]) {
  await check(`jit(a.reshape([-1, 1]).mul(b).sum()) over two ${n}-vectors (${n * n} elements)`, () => {
    const got = outer(np.ones([n]), np.full([n], 0.5)).item();
    const exact = n * n * 0.5;
    assert(n === 65536 ? got === exact : close32(got, exact), `got ${got}, float64 ${exact}`);
    sentinelIntact();
    return `${got}`;
  });
}

await check("jit(np.ones([65536, 65536]).sum()) is 2^32 exactly, without allocating 16 GiB", () => {
  const got = webjax.jit(() => np.ones([65536, 65536]).sum())().item();
  assert(got === 2 ** 32, `got ${got}`);
  sentinelIntact();
});

// Shapes whose element counts sit just below and above 2^31 and 2^32, reduced whole or over
// trailing axes, of a broadcast row of small integers (exact float64 sums), for ~15 s.
await check("fuzz: broadcast reductions of 2^31 - d .. 2^32 + d elements (sum, max, min; whole and per row)", () => {
  let seed = 17;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const t0 = performance.now();
  const seen = [];
  // Three cases always (a loaded machine only makes them slower), more while 15 s last.
  for (let c = 0; c < 12 && (c < 3 || performance.now() - t0 < 15000); c++) {
    const target = (rand() < 0.5 ? 2 ** 31 : 2 ** 32) + Math.round((rand() - 0.5) * 2 ** 20);
    const last = 1 + Math.floor(rand() * 3000);
    const rows = Math.max(1, Math.round(target / last));
    const lead = rand() < 0.4 ? [2, Math.ceil(rows / 2)] : [rows];
    const shape = [...lead, last];
    const total = shape.reduce((p, d) => p * d, 1);
    const row = Float32Array.from({ length: last }, (_, i) => ((i * 7 + c) % 13) - 6);
    const rowSum = row.reduce((s, v) => s + v, 0);
    const perRow = shape.length === 3 && rand() < 0.5;
    const op = ["sum", "max", "min"][Math.floor(rand() * 3)];
    const f = webjax.jit((r) => {
      const b = np.broadcastTo(r, shape);
      return perRow ? b[op]({ axis: [1, 2] }) : b[op]();
    });
    const got = f(np.array(row)).dataSync();
    const whole = op === "sum" ? (total / last) * rowSum : op === "max" ? Math.max(...row) : Math.min(...row);
    const expect = perRow ? [whole / (op === "sum" ? 2 : 1), whole / (op === "sum" ? 2 : 1)] : [whole];
    expect.forEach((e, i) => assert(op === "sum" ? close32(got[i], e) : got[i] === e, `${op} over [${shape}] (${total} elements): got ${got[i]}, float64 ${e}`));
    sentinelIntact();
    seen.push(`${op}[${shape}]${perRow ? "/row" : ""}`);
  }
  return seen.join(" ");
});

done();
