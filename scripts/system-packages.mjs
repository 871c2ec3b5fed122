// The Debian packages `npm test` relies on, how to tell each is there, and the one
// `apt-get install -y ...` line for what is missing. scripts/test.mjs prints it before running.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";

/** Each package: whether the tests need it, what it is for, and how to find it without root. */
export const PACKAGES = [
  { name: "chromium", required: true, for: "the Chromium specs, run by karma", probe: (env) => existsSync(env.CHROME_BIN || "/usr/bin/chromium") },
  { name: "mesa-vulkan-drivers", required: true, for: "WebGPU on llvmpipe in the Deno smoke test", probe: () => dpkgInstalled("mesa-vulkan-drivers") ?? lavapipeIcd() },
  { name: "emscripten", required: false, for: "rebuilding wasm/ from core-cpp/, else the committed binaries are used", probe: () => runs("emcc", ["--version"]) },
  { name: "node-acorn", required: false, for: "Debian's emcc JS optimizer", probe: () => existsSync("/usr/share/nodejs/acorn") },
  { name: "clang-19", required: false, for: "rebuilding the relaxed-SIMD wasm variant", probe: () => runs("clang-19", ["--version"]) },
  { name: "lld-19", required: false, for: "linking the relaxed-SIMD wasm variant", probe: () => runs("wasm-ld-19", ["--version"]) },
];

function runs(cmd, args) {
  return spawnSync(cmd, args, { stdio: "ignore" }).status === 0;
}

/** true/false from dpkg where there is one; null elsewhere. */
function dpkgInstalled(name) {
  const r = spawnSync("dpkg-query", ["-W", "-f=${Status}", name], { encoding: "utf8" });
  if (r.error) return null;
  return r.status === 0 && r.stdout.includes("install ok installed");
}

function lavapipeIcd() {
  const dir = "/usr/share/vulkan/icd.d";
  return existsSync(dir) && readdirSync(dir).some((f) => f.startsWith("lvp_icd"));
}

/** The missing packages, required and optional, given a probe result per package. */
export function missingPackages(isPresent) {
  const missing = PACKAGES.filter((p) => !isPresent(p));
  return { required: missing.filter((p) => p.required), optional: missing.filter((p) => !p.required) };
}

/** What to print: one line per group with the exact install command; empty when nothing is missing. */
export function report({ required, optional }) {
  const lines = [];
  const group = (what, ps) => {
    if (!ps.length) return;
    lines.push(`system packages ${what}: ${ps.map((p) => `${p.name} (for ${p.for})`).join(", ")}`);
    lines.push(`  apt-get install -y ${ps.map((p) => p.name).join(" ")}`);
  };
  group("missing", required);
  group("missing, optional", optional);
  return lines;
}

/** Probes this machine. */
export function checkSystemPackages(env = process.env) {
  return missingPackages((p) => p.probe(env));
}
