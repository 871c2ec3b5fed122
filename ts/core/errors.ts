// The error classes users meet, built in one place so the wording stays JAX's.

/** A shape, axis or argument value is wrong (JAX's ValueError). @example np.ones([2]).add(np.ones([3]))   // throws ValueError: Incompatible shapes for broadcasting: shapes=[(2,), (3,)] */
export class ValueError extends Error {
  override name = "ValueError";
}

/**
 * A traced value was used where a concrete JS value is needed (`Number(x)`, `x.item()`, a shape).
 * @example jax.jit((x) => x.item())(np.ones([]))   // throws ConcretizationTypeError: use lax.cond instead of JS control flow
 */
export class ConcretizationTypeError extends TypeError {
  override name = "ConcretizationTypeError";
  constructor(what: string, context = "") {
    super(
      `Abstract tracer value encountered where a concrete value is expected: ${what}.${context ? " " + context : ""}\n` +
        "The value depends on a traced argument, so it is not known while tracing. Use lax.cond / lax.whileLoop / " +
        "np.where for value-dependent control flow, or mark the argument static with staticArgnums. " +
        "(JS cannot intercept `if (x)` on an Array object: such a test is always true, so use lax.cond instead.)",
    );
  }
}

/**
 * A tracer was used outside the transformation that created it.
 * @example let leaked; jax.jit((x) => (leaked = x))(np.ones([])); leaked.add(1)   // throws UnexpectedTracerError
 */
export class UnexpectedTracerError extends Error {
  override name = "UnexpectedTracerError";
  constructor(detail: string) {
    super(
      `Encountered an unexpected tracer: ${detail}. A function transformed by jit/grad/vmap (or another ` +
        "transformation) saved an intermediate value outside its scope (e.g. in a global or a closure). " +
        "Return the value from the transformed function instead.",
    );
  }
}

/**
 * A collective names an axis that no enclosing vmap/pmap binds.
 * @example lax.psum(np.ones([2]), "i")   // throws UnboundAxisError: unbound axis name: i
 */
export class UnboundAxisError extends Error {
  override name = "UnboundAxisError";
  constructor(axisName: unknown) {
    super(`unbound axis name: ${String(axisName)}. Bind it with vmap(f, {axisName}) or pmap(f, {axisName}).`);
  }
}

export function shapeStr(shape: readonly number[]): string {
  return `(${shape.join(", ")}${shape.length === 1 ? "," : ""})`;
}

/**
 * A synchronous read of an array whose backend reads back asynchronously (WebGPU): names the
 * asynchronous twin to call instead.
 */
export class SyncReadError extends Error {
  override name = "SyncReadError";
  constructor(what: string, twin: string, backend: string) {
    super(
      `${what} needs the array's values now, but this array lives on ${backend}, whose values come back ` +
        `asynchronously. Use \`${twin}\` instead (or move the array with \`await jax.devicePutAsync(x, "wasm")\`).`,
    );
  }
}

/** The GPU device was lost (driver reset, device.destroy(), too much memory): its arrays are gone. */
export class DeviceLostError extends Error {
  override name = "DeviceLostError";
}
