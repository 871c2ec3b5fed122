// DESIGN.md's arrows, checked on the sources: the compiler knows no backend (it imports nothing
// from ts/backends/ or bindings/), and no backend imports another. Node only: it reads ts/.

import { existsSync, readFileSync, readdirSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

function repoRoot(): string {
  let d = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(d, "package.json"))) d = dirname(d);
  return d;
}

const ROOT = repoRoot();

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith(".ts") ? [join(dir, e.name)] : []));
}

/** Repository-relative paths a source file imports (static and dynamic imports, `import type` too). */
function importsOf(file: string): string[] {
  const text = readFileSync(file, "utf8");
  const specs = [...text.matchAll(/(?:from|import)\s*\(?\s*"(\.[^"]+)"/g)].map((m) => m[1]);
  return specs.map((s) => relative(ROOT, resolve(dirname(file), s)));
}

describe("layering", () => {
  it("ts/compiler imports nothing from ts/backends or bindings", () => {
    const bad = sources(join(ROOT, "ts", "compiler")).flatMap((f) =>
      importsOf(f).filter((i) => i.startsWith("ts/backends") || i.startsWith("bindings")).map((i) => `${relative(ROOT, f)} -> ${i}`));
    expect(bad).toEqual([]);
  });

  it("core, primitives and transforms import no backend; a backend imports no other backend", () => {
    const bad: string[] = [];
    for (const layer of ["core", "primitives", "transforms", "compiler"]) {
      for (const f of sources(join(ROOT, "ts", layer))) {
        for (const i of importsOf(f)) if (i.startsWith("ts/backends")) bad.push(`${relative(ROOT, f)} -> ${i}`);
      }
    }
    for (const b of readdirSync(join(ROOT, "ts", "backends"))) {
      for (const f of sources(join(ROOT, "ts", "backends", b))) {
        for (const i of importsOf(f)) if (i.startsWith("ts/backends/") && !i.startsWith(`ts/backends/${b}/`)) bad.push(`${relative(ROOT, f)} -> ${i}`);
      }
    }
    expect(bad).toEqual([]);
  });
});
