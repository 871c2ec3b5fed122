// isolated: node timeout=120
// Issue 17 item 8: the pool's workers start however a program is run: a file, an ES module
// given to `node --input-type=module -e`, the Node REPL, and `deno eval` (before, the inline
// worker body used require() and failed in an ES module eval: "require is not defined in ES
// module scope", leaving one thread). Each program runs in its own process.
import { spawn, spawnSync } from "node:child_process";
import { availableParallelism } from "node:os";
import { assert, check, done, Skip } from "./harness.mjs";

const bundle = new URL("../../dist/webjax.mjs", import.meta.url).href;
const deno = new URL("../../node_modules/.bin/deno", import.meta.url).pathname;
const program = `import(${JSON.stringify(bundle)}).then(async (jax) => {
  await jax.init({ threads: 2 });
  const rt = await jax.loadWasmRuntime({ threads: 2 });
  let ids = [];
  for (let i = 0; i < 20 && ids.length < 2; i++) {
    if (jax.numpy.ones([1 << 20]).mul(2).sum().item() !== 2 ** 21) throw new Error("wrong sum");
    ids = rt.lastThreadIds();
  }
  console.log("POOL " + JSON.stringify({ variant: rt.variant, threads: rt.threads, ids }));
  if (typeof process !== "undefined" && process.exit) process.exit(0); else Deno.exit(0);
});`;

const pool = (r) => {
  const line = `${r.stdout ?? ""}`.split("\n").find((l) => l.includes("POOL "));
  assert(line, `no result (status ${r.status}): ${`${r.stdout}${r.stderr}`.slice(-600)}`);
  const p = JSON.parse(line.slice(line.indexOf("POOL ") + 5));
  assert(p.threads === 2 && p.ids.length === 2, `the pool did not start: ${JSON.stringify(p)}; ${`${r.stderr}`.slice(-300)}`);
  return `${p.variant}, threads [${p.ids}]`;
};

const cores = () => {
  if (availableParallelism() < 2) throw new Skip(`this machine has ${availableParallelism()} core; the pool would have one thread anyway`);
};

await check("node --input-type=module -e starts the workers", () => {
  cores();
  return pool(spawnSync("node", ["--input-type=module", "-e", program], { encoding: "utf8", timeout: 60_000 }));
});

await check("node -e (CommonJS) starts the workers", () => {
  cores();
  return pool(spawnSync("node", ["-e", program], { encoding: "utf8", timeout: 60_000 }));
});

await check("the Node REPL starts the workers", async () => {
  cores();
  // The REPL must stay open until the program prints (closing stdin ends it).
  const repl = spawn("node", ["-i"], { stdio: ["pipe", "pipe", "pipe"] });
  let stdout = "", stderr = "";
  repl.stderr.on("data", (d) => (stderr += d));
  const status = new Promise((resolve) => repl.on("close", resolve));
  await new Promise((resolve) => {
    const timer = setTimeout(resolve, 60_000);
    repl.stdout.on("data", (d) => {
      stdout += d;
      if (stdout.includes("POOL ")) clearTimeout(timer), resolve();
    });
    repl.stdin.write(`${program.replace(/\n/g, " ")}\n`);
  });
  repl.stdin.end();
  repl.kill();
  return pool({ stdout, stderr, status: await status });
});

await check("deno eval starts the workers", () => {
  cores();
  return pool(spawnSync(deno, ["eval", program], { encoding: "utf8", timeout: 60_000 }));
});

done();
