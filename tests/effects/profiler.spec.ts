// jax.profiler: Chrome traces and performance.measure entries naming kernels by their scopes.
import * as jax from "../../ts/index.js";
import { Array, getBackend } from "../../ts/index.js";
import * as profiler from "../../ts/profiler/index.js";
import { pureCallback } from "../../ts/transforms/callback.js";
import { namedScope } from "../../ts/transforms/named.js";

const np = jax.numpy;
const kernels = (t: profiler.ChromeTrace) => t.traceEvents.filter((e) => e.cat === "kernel");

describe("jax.profiler", () => {
  beforeAll(async () => {
    await jax.init();
  });
  afterEach(() => {
    if (profiler.isTracing()) profiler.stopTrace();
  });

  for (const backend of ["cpu", "wasm"] as const) {
    it(`records each kernel of a compiled call with its scope on ${backend}`, () => {
      const layer = (x: Array) => namedScope("layer1", () => np.tanh(x.mul(2)));
      const f = jax.jit(function mlp(x: Array) {
        return namedScope("head", () => layer(x).sum());
      }, { backend });
      const x = jax.devicePut(np.ones([4]), backend);
      const want = f(x).item();
      let got = 0;
      const t = profiler.trace(() => (got = f(x).item() as number));
      expect(got).toBe(want as number);
      const names = kernels(t).map((e) => e.name);
      expect(names).toEqual(["jit(mlp)/head/layer1/mul", "jit(mlp)/head/layer1/tanh", "jit(mlp)/head/reduce_sum"]);
      const program = t.traceEvents.find((e) => e.cat === "program")!;
      expect(program.name).toBe("jit(mlp)");
      expect(program.args!.backend).toBe(backend);
      for (const e of kernels(t)) {
        expect(e.ph).toBe("X");
        expect(e.ts).toBeGreaterThanOrEqual(program.ts);
        expect(e.ts + e.dur!).toBeLessThanOrEqual(program.ts + program.dur! + 1e-6);
        expect(e.args!.primitive).toBe(e.name.split("/").pop());
      }
      expect(kernels(t)[0].args!.scope).toBe("jit(mlp)/head/layer1");
      expect(() => JSON.parse(JSON.stringify(t))).not.toThrow();
      expect(t.traceEvents.some((e) => e.ph === "M" && e.args!.name === `${backend} backend`)).toBe(true);
    });
  }

  it("writes performance.measure entries", () => {
    performance.clearMeasures?.();
    const f = jax.jit((x: Array) => namedScope("scaled", () => x.mul(3)));
    profiler.trace(() => f(np.ones([2])).dataSync());
    const names = performance.getEntriesByType("measure").map((m) => m.name);
    expect(names).toContain("jit(<lambda>)/scaled/mul");
  });

  it("names eager ops by the scopes active when they run, and calls inside a scope", () => {
    const f = jax.jit(function inner(x: Array) {
      return np.exp(x);
    });
    const t = profiler.trace(() => namedScope("outer", () => {
      np.sin(np.ones([2]));
      f(np.ones([2]));
    }));
    const names = t.traceEvents.filter((e) => e.ph === "X").map((e) => e.name);
    expect(names).toContain("outer/sin");
    expect(names).toContain("outer/jit(inner)");
    expect(names).toContain("outer/jit(inner)/exp");
    expect(names).not.toContain("outer/jit(inner)/outer/exp"); // name stacks are relative to each jaxpr
  });

  it("perEquation: false records whole programs only", () => {
    const f = jax.jit((x: Array) => np.sin(x).mul(2));
    const t = profiler.trace(() => f(np.ones([3])), { perEquation: false });
    expect(kernels(t)).toEqual([]);
    expect(t.traceEvents.filter((e) => e.cat === "program").map((e) => e.name)).toEqual(["jit(<lambda>)"]);
  });

  it("runs programs equation by equation with the same values and no leaked buffers", () => {
    const wasm = getBackend("wasm");
    const f = jax.jit((x: Array, y: Array) => {
      const a = x.mul(y);
      const b = np.exp(a);
      return [b.add(a), a, x, 2.5];
    }, { backend: "wasm" });
    const x = jax.devicePut(np.array([1, 2, 3]), "wasm"), y = jax.devicePut(np.array([0.5, 0.25, 1]), "wasm");
    const plain = (f(x, y) as Array[]).map((o) => o.tolistSync());
    jax.tidy(() => void profiler.trace(() => f(x, y))); // warm the per-equation programs
    const level = wasm.liveBuffers();
    let profiled: any[] = [];
    const t = profiler.trace(() => jax.tidy(() => void (profiled = (f(x, y) as Array[]).map((o) => o.tolistSync()))));
    expect(profiled).toEqual(plain);
    expect(wasm.liveBuffers()).toBe(level);
    expect(kernels(t).map((e) => e.args!.primitive)).toEqual(["mul", "exp", "add"]);
  });

  it("times callbacks and the ops they run inside a program", () => {
    const f = jax.jit((x: Array) => namedScope("host", () => pureCallback((a: Array) => np.cos(a), jax.ShapeDtypeStruct([3], "float32"), x)));
    const t = profiler.trace(() => f(np.ones([3])));
    const names = t.traceEvents.filter((e) => e.ph === "X").map((e) => e.name);
    expect(names).toContain("jit(<lambda>)/host/pure_callback");
    expect(names).toContain("cos");
  });

  it("records TraceAnnotation spans and annotated functions", async () => {
    const step = profiler.annotateFunction(function trainStep() {
      return np.ones([2]).add(1);
    });
    const t = await profiler.trace(async () => {
      {
        using _ = new profiler.TraceAnnotation("data loading");
        await new Promise((r) => setTimeout(r, 2));
      }
      step();
    });
    const spans = t.traceEvents.filter((e) => e.cat === "annotation");
    expect(spans.map((e) => e.name)).toEqual(["data loading", "trainStep"]);
    expect(spans[0].dur!).toBeGreaterThan(1000);
  });

  it("start/stop follow JAX's rules and leave the backends as they were", () => {
    const wasm = getBackend("wasm");
    const before = wasm.execute;
    profiler.startTrace();
    expect(profiler.isTracing()).toBe(true);
    expect(() => profiler.startTrace()).toThrowError(/Profile has already been started\. Only one profile may be run at a time\./);
    profiler.stopTrace();
    expect(() => profiler.stopTrace()).toThrowError("No profile started");
    expect(wasm.execute).toBe(before);
    expect(Object.prototype.hasOwnProperty.call(wasm, "execute")).toBe(false);
    expect(() => profiler.trace(() => {
      throw new Error("in fn");
    })).toThrowError("in fn");
    expect(profiler.isTracing()).toBe(false);
  });

  it("writes <logDir>/plugins/profile/<run>/webjax.trace.json in Node", () => {
    const getBuiltin = (globalThis as any).process?.getBuiltinModule;
    if (typeof getBuiltin !== "function") {
      pending("no node:fs here");
      return;
    }
    const fs = getBuiltin("node:fs"), os = getBuiltin("node:os"), path = getBuiltin("node:path");
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "webjax-profile-"));
    try {
      profiler.startTrace(dir);
      np.sin(np.ones([2]));
      profiler.stopTrace();
      const [run] = fs.readdirSync(path.join(dir, "plugins", "profile"));
      const saved = JSON.parse(fs.readFileSync(path.join(dir, "plugins", "profile", run, "webjax.trace.json"), "utf8"));
      expect(saved.traceEvents.some((e: any) => e.name === "sin")).toBe(true);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
