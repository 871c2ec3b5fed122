// Browser-only, each case in its own page or worker under a time limit, so that one hang
// cannot hide other results: the pool surviving faults (tests/isolated/pool-faults.mjs in a
// Web Worker, ended when done or late), and workers and wasm under a Content-Security-Policy
// (tests/browser/pages/csp-*.html in iframes, served with the policies in karma.conf.cjs).

interface PageReport {
  isolated?: boolean;
  sab?: boolean;
  checks?: Record<string, boolean>;
  shards?: string[];
  backends?: string[];
  threads?: number;
  variant?: string;
  ids?: number[];
  sum?: number;
  infos: string[];
  blobWorker?: string;
  error?: string;
}

/** Opens `url` in an iframe and resolves with the report it posts, or rejects after `ms`. */
function openPage(url: string, ms: number): Promise<PageReport> {
  const frame = document.createElement("iframe");
  return new Promise<PageReport>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${url}: no report within ${ms / 1000} s`)), ms);
    const onMessage = (e: MessageEvent) => {
      if (e.source !== frame.contentWindow) return;
      clearTimeout(timer);
      window.removeEventListener("message", onMessage);
      resolve(e.data as PageReport);
    };
    window.addEventListener("message", onMessage);
    frame.src = url;
    document.body.appendChild(frame);
  }).finally(() => frame.remove());
}

/** Runs an isolated script in a module Web Worker; resolves with its counts and lines, or rejects after `ms`. */
function runWorker(url: string, ms: number): Promise<{ counts: { passed: number; failed: number; skipped: number }; lines: string[] }> {
  const w = new Worker(url, { type: "module" });
  return new Promise<{ counts: { passed: number; failed: number; skipped: number }; lines: string[] }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${url}: not done within ${ms / 1000} s (hung?)`)), ms);
    w.onmessage = (e) => {
      clearTimeout(timer);
      resolve(e.data);
    };
    w.onerror = (e) => {
      clearTimeout(timer);
      reject(new Error(`${url}: ${e.message}`));
    };
  }).finally(() => w.terminate());
}

describe("isolated in Chromium", () => {
  it("the wasm pool survives faults (tests/isolated/pool-faults.mjs in a Web Worker)", async () => {
    const { counts, lines } = await runWorker("/base/tests/isolated/pool-faults.mjs", 90_000);
    console.log(lines.join("\n"));
    expect(counts.failed).withContext(lines.filter((l) => l.includes("FAIL")).join("\n")).toBe(0);
    expect(counts.skipped).withContext(lines.filter((l) => l.includes("SKIP")).join("\n")).toBe(0);
    expect(counts.passed).toBeGreaterThanOrEqual(5);
  }, 100_000);

  it("worker devices survive faults (tests/isolated/device-faults.mjs in a Web Worker)", async () => {
    const { counts, lines } = await runWorker("/base/tests/isolated/device-faults.mjs", 90_000);
    console.log(lines.join("\n"));
    expect(counts.failed).withContext(lines.filter((l) => l.includes("FAIL")).join("\n")).toBe(0);
    expect(counts.skipped).withContext(lines.filter((l) => l.includes("SKIP")).join("\n")).toBe(0);
    expect(counts.passed).toBeGreaterThanOrEqual(6);
  }, 100_000);

  for (const paths of ["map", "prefix"]) {
    it(`starts the workers under worker-src 'self' (no blob:) from the served webjax-worker.js (${paths === "map" ? "named in setWasmPaths" : "beside the wasm files"})`, async () => {
      const r = await openPage(`/base/tests/browser/pages/csp-no-blob.html?paths=${paths}`, 30_000);
      expect(r.error).toBeUndefined();
      expect(r.blobWorker).withContext("the page's policy must refuse blob: workers").not.toBe("started");
      expect(r.variant).toBe("relaxed-threads");
      expect(r.threads).toBeGreaterThanOrEqual(2);
      expect(r.ids!.length).withContext(`threads that ran: [${r.ids}]`).toBe(r.threads!);
      expect(r.sum).toBe(2 ** 21);
    });
  }

  it("says the Content-Security-Policy's worker-src forbids the workers, and runs on one thread", async () => {
    const r = await openPage("/base/tests/browser/pages/csp-no-workers.html", 60_000);
    expect(r.error).toBeUndefined();
    expect(r.threads).toBe(1);
    expect(r.sum).toBe(2 ** 21);
    const said = r.infos.join("\n");
    expect(said).toContain("worker-src");
    expect(said).not.toContain("undefined");
  });

  it("says the Content-Security-Policy lacks 'wasm-unsafe-eval' when wasm cannot compile", async () => {
    const r = await openPage("/base/tests/browser/pages/csp-no-wasm-eval.html", 30_000);
    expect(r.error).toBeUndefined();
    expect(r.backends).not.toContain("wasm");
    expect(r.infos.join("\n")).toContain("'wasm-unsafe-eval'");
  });

  const CHECKS = { psum: true, ppermute: true, allToAll: true, shardMap: true, vmap: true, grad: true };
  for (const n of [2, 4, 8]) {
    const devices = Array.from({ length: n }, (_, i) => `wasm:${i}`);
    it(`pmap and shardMap on ${n} devices in a page that is not cross-origin isolated: vmap over the shards on the calling thread, the same values, and a notice saying why`, async () => {
      const r = await openPage(`/base/tests/browser/pages/pmap-not-isolated.html?devices=${n}`, 60_000);
      expect(r.error).toBeUndefined();
      expect(r.isolated).withContext("the page must not be cross-origin isolated (Permissions-Policy: cross-origin-isolated=())").toBeFalse();
      expect(r.sab).toBeFalse();
      expect(r.variant).toBe("simd");
      expect(r.checks).toEqual(CHECKS);
      expect(r.shards).toEqual(devices);
      const notices = r.infos.filter((l) => l.includes("pmap and shardMap run on the calling thread"));
      expect(notices.length).withContext(r.infos.join("\n")).toBe(1);
      expect(notices[0]).toMatch(/SharedArrayBuffer is unavailable|not cross-origin isolated/);
    });

    it(`pmap and shardMap on ${n} devices in a cross-origin isolated page: the same values, no notice`, async () => {
      const r = await openPage(`/base/tests/browser/pages/pmap-isolated.html?devices=${n}`, 60_000);
      expect(r.error).toBeUndefined();
      expect(r.isolated).toBeTrue();
      expect(r.checks).toEqual(CHECKS);
      expect(r.shards).toEqual(devices);
      expect(r.infos.filter((l) => l.includes("pmap and shardMap run on the calling thread"))).toEqual([]);
    });
  }
});
