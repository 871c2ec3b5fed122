// Node-only: the shipped worker script (wasm/webjax-worker.js, for pages whose
// Content-Security-Policy forbids blob: workers) is the body workers.ts starts from a Blob URL.
import { readFileSync } from "node:fs";

import { webWorkerScript } from "../../ts/backends/wasm/workers.js";

describe("wasm/webjax-worker.js", () => {
  it("is the generated worker script (npm run build rewrites it; commit the result)", () => {
    const shipped = readFileSync(new URL("../../../wasm/webjax-worker.js", import.meta.url), "utf8");
    expect(shipped).toBe(webWorkerScript());
    // A classic script: no import statements, no require.
    expect(shipped).not.toMatch(/^\s*import\s/m);
    expect(shipped).not.toContain("require(");
  });
});
