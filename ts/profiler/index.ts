// `jax.profiler`: records what every compiled call runs, named by the scopes of `namedScope`
// and `namedCall`, as `performance.measure` entries and as a Chrome trace (`traceEvents`,
// loadable in Perfetto or chrome://tracing).
//
// While a trace is recording, programs run equation by equation (calls inlined) so that each
// kernel gets its own timed event; the events then show unfused execution. `perEquation: false`
// records whole programs only. Times are host wall-clock: on backends that queue work
// asynchronously they measure dispatch.

import { declareAs } from "../core/signature.js";
import { Backend, Buffer, getBackend, registeredBackends } from "../core/backend.js";
import { hostFromValues } from "../core/host.js";
import { Atom, ClosedJaxpr, Jaxpr, JaxprEqn, Literal, Var } from "../core/jaxpr.js";
import { jitP } from "../transforms/jit.js";
import { NameStackEntry, currentNameStack, nameStackString } from "../transforms/named.js";

/** One Chrome trace event (the Trace Event Format's complete "X", instant "i" and metadata "M" events). */
export interface TraceEvent {
  name: string;
  cat: string;
  ph: "X" | "i" | "M";
  /** Microseconds since the trace started. */
  ts: number;
  dur?: number;
  pid: number;
  tid: number;
  args?: Record<string, unknown>;
  s?: "g" | "p" | "t";
}

/** What `stopTrace` returns: a Chrome trace (`JSON.stringify` it to save a .json trace file). */
export interface ChromeTrace {
  traceEvents: TraceEvent[];
  displayTimeUnit: "ms";
  otherData: Record<string, unknown>;
}

/** Options of `jax.profiler.startTrace`. @example jax.profiler.startTrace(null, {perEquation: false}) */
export interface TraceOptions {
  /** Time every equation of every program (default true); false times whole programs. */
  perEquation?: boolean;
  /** Also record `performance.measure` entries (default true). */
  performanceMarks?: boolean;
  /** Accepted for JAX compatibility; webjax writes a plain .trace.json into logDir. */
  createPerfettoLink?: boolean;
  createPerfettoTrace?: boolean;
}

/** JAX's RuntimeError for profiler misuse. @example jax.profiler.stopTrace()   // throws ProfilerError (named RuntimeError, as JAX's): No profile started */
export class ProfilerError extends Error {
  override name = "RuntimeError";
}

interface Session {
  t0: number;
  events: TraceEvent[];
  perEquation: boolean;
  marks: boolean;
  logDir: string | null;
  restore: (() => void)[];
  tids: Map<string, number>;
}

let session: Session | null = null;
/** The name of the call whose program is about to execute (set by the jit wrapper). */
let pendingCall: string | null = null;

const now = () => performance.now();
const PID = 1;
const HOST_TID = 1;

function tidOf(s: Session, backend: string): number {
  let t = s.tids.get(backend);
  if (t === undefined) {
    t = s.tids.size + 2;
    s.tids.set(backend, t);
  }
  return t;
}

function record(s: Session, name: string, cat: string, start: number, end: number, tid: number, args: Record<string, unknown>): void {
  s.events.push({ name, cat, ph: "X", ts: (start - s.t0) * 1000, dur: (end - start) * 1000, pid: PID, tid, args });
  if (s.marks) {
    try {
      performance.measure(name, { start, end, detail: { cat, ...args } });
    } catch {
      // Engines without User Timing Level 3 options: the Chrome trace still has the event.
    }
  }
}

function startTraceImpl(logDir: string | null = null, opts: TraceOptions = {}): void {
  if (session) throw new ProfilerError("Profile has already been started. Only one profile may be run at a time.");
  const s: Session = {
    t0: now(),
    events: [],
    perEquation: opts.perEquation ?? true,
    marks: opts.performanceMarks ?? true,
    logDir,
    restore: [],
    tids: new Map(),
  };
  for (const name of registeredBackends()) instrumentBackend(s, getBackend(name));
  // jit's eager path names the program it is about to execute.
  const impl = jitP.rules.impl!;
  jitP.rules.impl = (args, params) => {
    pendingCall = `jit(${params.name})`;
    try {
      return impl(args, params);
    } finally {
      pendingCall = null;
    }
  };
  s.restore.push(() => void (jitP.rules.impl = impl));
  if (s.marks) performance.mark("webjax:trace-start");
  session = s;
}

function stopTraceImpl(): ChromeTrace {
  const s = session;
  if (!s) throw new ProfilerError("No profile started");
  session = null;
  for (const undo of s.restore.reverse()) undo();
  if (s.marks) performance.mark("webjax:trace-stop");
  const meta: TraceEvent[] = [
    { name: "process_name", cat: "__metadata", ph: "M", ts: 0, pid: PID, tid: HOST_TID, args: { name: "webjax" } },
    { name: "thread_name", cat: "__metadata", ph: "M", ts: 0, pid: PID, tid: HOST_TID, args: { name: "host" } },
    ...[...s.tids].map(([b, tid]): TraceEvent => ({ name: "thread_name", cat: "__metadata", ph: "M", ts: 0, pid: PID, tid, args: { name: `${b} backend` } })),
  ];
  const trace: ChromeTrace = {
    traceEvents: [...meta, ...s.events.sort((a, b) => a.ts - b.ts)],
    displayTimeUnit: "ms",
    otherData: { producer: "webjax", perEquation: s.perEquation, startTime: performance.timeOrigin + s.t0 },
  };
  if (s.logDir) writeTrace(s.logDir, trace);
  return trace;
}

function isTracingImpl(): boolean {
  return session !== null;
}

function writeTrace(logDir: string, trace: ChromeTrace): void {
  const getBuiltin = (globalThis as any).process?.getBuiltinModule;
  if (typeof getBuiltin !== "function") {
    console.info("webjax profiler: this runtime cannot write files; save JSON.stringify(stopTrace()) yourself.");
    return;
  }
  const fs = getBuiltin("node:fs"), path = getBuiltin("node:path");
  const d = new Date();
  const pad = (n: number) => String(n).padStart(2, "0");
  const run = `${d.getFullYear()}_${pad(d.getMonth() + 1)}_${pad(d.getDate())}_${pad(d.getHours())}_${pad(d.getMinutes())}_${pad(d.getSeconds())}`;
  const dir = path.join(logDir, "plugins", "profile", run);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, "webjax.trace.json"), JSON.stringify(trace));
}

/**
 * Records a trace while `fn` runs (`with jax.profiler.trace(log_dir):`); returns the trace, or
 * a promise of it when `fn` is async.
 * @example const trace = jax.profiler.trace(() => f(x).dataSync());
 */
export const trace: {
  (fn: () => Promise<unknown>, opts?: TraceOptions & { logDir?: string }): Promise<ChromeTrace>;
  (fn: () => unknown, opts?: TraceOptions & { logDir?: string }): ChromeTrace;
} = declareAs("profiler.trace", "fn:fn", "logDir perEquation performanceMarks createPerfettoLink createPerfettoTrace", (fn: () => unknown, opts: TraceOptions & { logDir?: string }): ChromeTrace | Promise<ChromeTrace> => {
  startTraceImpl(opts.logDir ?? null, opts);
  let r: unknown;
  try {
    r = fn();
  } catch (e) {
    stopTraceImpl();
    throw e;
  }
  if (r !== null && typeof r === "object" && typeof (r as any).then === "function") {
    return (r as Promise<unknown>).then(
      () => stopTraceImpl(),
      (e) => {
        stopTraceImpl();
        throw e;
      },
    );
  }
  return stopTraceImpl();
});

/**
 * A named span of host time in the trace (`jax.profiler.TraceAnnotation`), ended by `exit()` or
 * by leaving a `using` block. Costs nothing while no trace records.
 * @example { using _ = new jax.profiler.TraceAnnotation("data loading"); batch = load(); }
 */
export class TraceAnnotation {
  readonly #start = now();
  #open = true;
  constructor(readonly name: string, readonly args: Record<string, unknown> = {}) {}
  /** Ends the span. @example const a = new jax.profiler.TraceAnnotation("load"); load(); a.exit(); */
  exit(): void {
    if (!this.#open) return;
    this.#open = false;
    if (session) record(session, this.name, "annotation", this.#start, now(), HOST_TID, this.args);
  }
  /** Ends the span at the end of a `using` block. @example { using _ = new jax.profiler.TraceAnnotation("load"); load(); } */
  [Symbol.dispose](): void {
    this.exit();
  }
}

function annotateFunctionImpl<F extends (...args: any[]) => any>(fn: F, opts: { name?: string } = {}): F {
  const name = opts.name ?? (fn.name || "<lambda>");
  const wrapped = function (this: unknown, ...args: any[]) {
    const a = new TraceAnnotation(name);
    try {
      return fn.apply(this, args);
    } finally {
      a.exit();
    }
  };
  return wrapped as unknown as F;
}

// ---- instrumenting execution ----

type Execute = Backend["execute"];

/**
 * Wraps a backend's `execute` for the session (an own property shadowing the method; removed
 * by stopTrace). This is the interception point the core could offer as a hook instead.
 */
function instrumentBackend(s: Session, backend: Backend): void {
  const hadOwn = Object.prototype.hasOwnProperty.call(backend, "execute");
  const orig = backend.execute;
  const b = backend as { execute: Execute };
  b.execute = function (jaxpr: Jaxpr, args: Buffer[], donated?: readonly boolean[]) {
    return profiledExecute(s, backend, orig, jaxpr, args, donated);
  };
  s.restore.push(() => {
    if (hadOwn) b.execute = orig;
    else delete (b as Partial<typeof b>).execute;
  });
}

/** Executes a program, recording it (and, per equation, its kernels) in the session. */
function profiledExecute(s: Session, backend: Backend, execute: Execute, jaxpr: Jaxpr, args: Buffer[], donated?: readonly boolean[]): Buffer[] {
  const callName = pendingCall;
  pendingCall = null; // programs a callback runs inside this one are not this call
  const outer = currentNameStack();
  const tid = tidOf(s, backend.name);
  const single = !callName && jaxpr.eqns.length === 1;
  const name = callName ?? (single ? jaxpr.eqns[0].primitive.name : "program");
  const scope = single ? nameStackString([...outer, ...jaxpr.eqns[0].nameStack]) : nameStackString(outer);
  const start = now();
  const outs = s.perEquation && !single ? runByEquation(s, backend, execute, jaxpr, args, outer, callName, tid) : execute.call(backend, jaxpr, args, donated);
  const end = now();
  record(s, scope ? `${scope}/${name}` : name, single ? "op" : "program", start, end, tid, {
    backend: backend.name,
    scope,
    equations: jaxpr.eqns.length,
    ...(single ? { primitive: name } : {}),
  });
  return outs;
}

// ---- equation-by-equation execution ----

/** Call-like primitives whose bodies run inline (as the compiler's simplify pass does). */
const CALLS: Record<string, string> = { jit: "jaxpr", remat2: "jaxpr", custom_jvp_call: "call_jaxpr", custom_vjp_call: "call_jaxpr" };
/** Identities for execution. */
const IDENTITIES = new Set(["name", "stop_gradient"]);

interface Step {
  /** A one-equation program over the equation's distinct variable inputs. */
  program: Jaxpr;
  /** Scope of the equation relative to the program (calls inlined, each jit adding `jit(name)`). */
  scope: NameStackEntry[];
}

interface Plan {
  inputs: Var[];
  steps: Step[];
  outputs: Atom[];
}

const plans = new WeakMap<Jaxpr, Plan>();

/** Flattens `jaxpr` (calls inlined) into one-equation programs, each with its scope. */
function planByEquation(jaxpr: Jaxpr): Plan {
  let plan = plans.get(jaxpr);
  if (plan) return plan;
  const steps: Step[] = [];
  const walk = (j: Jaxpr, args: Atom[], prefix: NameStackEntry[]): Atom[] => {
    const env = new Map<Var, Atom>();
    [...j.constvars, ...j.invars].forEach((v, i) => env.set(v, args[i]));
    const read = (a: Atom): Atom => (a instanceof Literal ? a : env.get(a) ?? a);
    for (const e of j.eqns) {
      const ins = e.inputs.map(read);
      const field = CALLS[e.primitive.name];
      const body = field ? (e.params[field] as ClosedJaxpr) : null;
      if (body && body.consts.length === 0) {
        const inner = [...prefix, ...(e.nameStack as NameStackEntry[]), ...(e.primitive.name === "jit" ? [`jit(${e.params.name})`] : [])];
        walk(body.jaxpr, ins, inner).forEach((o, i) => env.set(e.outvars[i], o));
        continue;
      }
      if (IDENTITIES.has(e.primitive.name)) {
        env.set(e.outvars[0], ins[0]);
        continue;
      }
      // Fresh variables: one body may be inlined at several call sites.
      const outs = e.outvars.map((v) => new Var(v.aval));
      e.outvars.forEach((v, i) => env.set(v, outs[i]));
      const invars = [...new Set(ins.filter((a): a is Var => a instanceof Var))];
      const eqn = new JaxprEqn(e.primitive, ins, e.params, outs, e.nameStack);
      steps.push({ program: new Jaxpr([], invars, [eqn], outs), scope: [...prefix, ...(e.nameStack as NameStackEntry[])] });
    }
    return j.outvars.map(read);
  };
  const inputs = [...jaxpr.constvars, ...jaxpr.invars];
  const outputs = walk(jaxpr, inputs, []);
  plan = { inputs, steps, outputs };
  plans.set(jaxpr, plan);
  return plan;
}

function runByEquation(
  s: Session,
  backend: Backend,
  execute: Execute,
  jaxpr: Jaxpr,
  args: Buffer[],
  outer: NameStackEntry[],
  callName: string | null,
  tid: number,
): Buffer[] {
  const plan = planByEquation(jaxpr);
  const env = new Map<Var, Buffer>();
  plan.inputs.forEach((v, i) => env.set(v, args[i]));
  const isOutput = new Set(plan.outputs.filter((a): a is Var => a instanceof Var));
  const lastUse = new Map<Var, number>();
  plan.steps.forEach((st, k) => st.program.invars.forEach((v) => lastUse.set(v, k)));
  const owned = new Set<Buffer>(); // intermediates this run allocated and has not freed
  const prefix = [...outer, ...(callName ? [callName] : [])];
  try {
    plan.steps.forEach((st, k) => {
      const { program } = st;
      const eqn = program.eqns[0];
      const start = now();
      const outs = execute.call(backend, program, program.invars.map((v) => env.get(v)!));
      const end = now();
      outs.forEach((b, i) => {
        env.set(program.outvars[i] as Var, b);
        owned.add(b);
      });
      const scope = nameStackString([...prefix, ...st.scope]);
      record(s, scope ? `${scope}/${eqn.primitive.name}` : eqn.primitive.name, "kernel", start, end, tid, {
        backend: backend.name,
        scope,
        primitive: eqn.primitive.name,
        inputs: eqn.inputs.map((a) => a.aval.str()).join(", "),
        outputs: eqn.outvars.map((v) => v.aval.str()).join(", "),
      });
      // Free what no later equation reads (inputs belong to the caller; outputs are returned).
      const dead = [...program.invars, ...(program.outvars as Var[])].filter((v) => (lastUse.get(v) ?? -1) <= k && !isOutput.has(v));
      for (const v of new Set(dead)) {
        const b = env.get(v)!;
        if (owned.delete(b)) backend.free(b);
      }
    });
    // Every output gets a buffer of its own (the caller owns them all).
    const given = new Set<Buffer>();
    return plan.outputs.map((a) => {
      let b: Buffer;
      if (a instanceof Literal) b = backend.put(hostFromValues([], a.aval.dtype, [Number(a.val)]).data, a.aval);
      else {
        b = env.get(a)!;
        if (!owned.has(b) || given.has(b)) b = backend.put(backend.readSync(b, a.aval), a.aval);
      }
      given.add(b);
      return b;
    });
  } catch (e) {
    for (const b of owned) backend.free(b);
    throw e;
  }
}

// ---- the public, checked entry points ----

/**
 * Starts recording (`jax.profiler.start_trace`). Only one trace records at a time.
 * @example jax.profiler.startTrace(); f(x); const trace = jax.profiler.stopTrace();
 */
export const startTrace: (logDir?: string | null, opts?: TraceOptions) => void = declareAs("profiler.startTrace", "logDir?, createPerfettoLink?, createPerfettoTrace?", "perEquation performanceMarks createPerfettoLink createPerfettoTrace", startTraceImpl);

/**
 * Stops recording and returns the trace (`jax.profiler.stop_trace`). With a `logDir` given to
 * `startTrace` in Node, also writes `<logDir>/plugins/profile/<run>/webjax.trace.json`.
 * @example jax.profiler.startTrace(); f(x); const trace = jax.profiler.stopTrace();   // Chrome trace JSON
 */
export const stopTrace: () => ChromeTrace = declareAs("profiler.stopTrace", "", "", stopTraceImpl);

/** Whether a trace is recording. @example jax.profiler.isTracing()   // false unless startTrace ran */
export const isTracing: () => boolean = declareAs("profiler.isTracing", "", "", isTracingImpl);

/**
 * `fn` wrapped in a TraceAnnotation per call (`jax.profiler.annotate_function`).
 * @example const step = jax.profiler.annotateFunction(trainStep, {name: "train step"});
 * @typeParam F - the function's type, which the result keeps
 */
export const annotateFunction: <F extends (...args: any[]) => any>(func: F, ...rest: [opts?: { name?: string }] | [name: string | undefined]) => F = declareAs("profiler.annotateFunction", "func:fn, name?", "name", annotateFunctionImpl);
