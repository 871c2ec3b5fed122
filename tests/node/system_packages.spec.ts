// `npm test` names missing system packages with the exact apt-get line before it runs
// (scripts/system-packages.mjs). Node only: it reads the repository's scripts.

import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

interface Pkg { name: string; required: boolean; for: string }
interface SystemPackages {
  PACKAGES: Pkg[];
  missingPackages(isPresent: (p: Pkg) => boolean): { required: Pkg[]; optional: Pkg[] };
  report(missing: { required: Pkg[]; optional: Pkg[] }): string[];
}

function repoRoot(): string {
  let d = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(d, "package.json"))) d = dirname(d);
  return d;
}

describe("npm test's system package check", () => {
  let sp: SystemPackages;
  beforeAll(async () => {
    sp = (await import(pathToFileURL(join(repoRoot(), "scripts", "system-packages.mjs")).href)) as SystemPackages;
  });

  it("prints the exact apt-get line for the missing required packages, by name", () => {
    const absent = new Set(["chromium", "mesa-vulkan-drivers"]);
    const lines = sp.report(sp.missingPackages((p) => !absent.has(p.name)));
    expect(lines).toEqual([
      "system packages missing: chromium (for the Chromium specs, run by karma), mesa-vulkan-drivers (for WebGPU on llvmpipe in the Deno smoke test)",
      "  apt-get install -y chromium mesa-vulkan-drivers",
    ]);
  });

  it("names the optional ones (the wasm toolchain) on a line of their own", () => {
    const lines = sp.report(sp.missingPackages((p) => p.name !== "clang-19" && p.name !== "lld-19"));
    expect(lines[0]).toMatch(/^system packages missing, optional: clang-19 \(for .*\), lld-19 \(for .*\)$/);
    expect(lines[1]).toBe("  apt-get install -y clang-19 lld-19");
    expect(lines.length).toBe(2);
  });

  it("prints nothing when everything is there, and covers every package .ci/run installs", () => {
    expect(sp.report(sp.missingPackages(() => true))).toEqual([]);
    expect(sp.PACKAGES.map((p) => p.name).sort()).toEqual(["chromium", "clang-19", "emscripten", "lld-19", "mesa-vulkan-drivers", "node-acorn"]);
    const all = sp.report(sp.missingPackages(() => false));
    expect(all[1]).toBe("  apt-get install -y chromium mesa-vulkan-drivers");
    expect(all[3]).toBe("  apt-get install -y emscripten node-acorn clang-19 lld-19");
  });
});
