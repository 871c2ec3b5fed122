// `jax.config`: run-time settings by name, as `jax.config.update("memoryLimit", 2 ** 30)`.
// Each setting is declared once by the module that owns it, with its check and its effect.

interface Setting {
  value: unknown;
  /** Validates and applies a new value (throws a TypeError/RangeError naming what is accepted). */
  apply(value: unknown): void;
}

const settings = new Map<string, Setting>();

/** Declares a setting; `apply` runs on every update. */
export function defineSetting<T>(name: string, initial: T, apply: (value: unknown) => T): void {
  const s: Setting = { value: initial, apply: (v) => (s.value = apply(v)) };
  settings.set(name, s);
}

/** `jax.config`: run-time settings. @example jax.config.update("memoryLimit", 256 * 2 ** 20) */
export const config = {
  /**
   * Changes a setting at run time.
   * @example jax.config.update("memoryLimit", 512 * 2 ** 20)   // 512 MiB per device
   */
  update(name: string, value: unknown): void {
    const s = settings.get(name);
    if (!s) throw new TypeError(`jax.config.update: unknown setting '${name}'; settings: ${[...settings.keys()].join(", ")}.`);
    s.apply(value);
  },
  /**
   * The current value of a setting.
   * @example jax.config.read("memoryLimit")   // bytes
   */
  read(name: string): unknown {
    const s = settings.get(name);
    if (!s) throw new TypeError(`jax.config.read: unknown setting '${name}'; settings: ${[...settings.keys()].join(", ")}.`);
    return s.value;
  },
};
