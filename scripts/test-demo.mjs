// The demo page (examples/web/), as a visitor sees it: playwright-core drives Debian's Chromium
// (no browser download) headless, opens the page served as `npm run demo:web` serves it, waits
// for training to end, checks the loss fell and the plots drew (pixels), and saves a screenshot
// (build/demo/screenshot.png). Then again without cross-origin isolation: single-threaded, still
// trains. Each check counts once in $WEBJAX_DEMO_RESULTS for scripts/test.mjs.
//   node scripts/test-demo.mjs [--steps=N]
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { serveDemo } from "./serve-demo.mjs";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const OUT = join(ROOT, "build", "demo");
const STEPS = Number(process.argv.find((a) => a.startsWith("--steps="))?.slice(8) ?? 300);
const CHROME = process.env.CHROME_BIN ?? "/usr/bin/chromium";
const ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-component-update", "--no-first-run", "--disable-sync", "--disable-quic"];

const results = [];
function check(name, ok, detail = "") {
  results.push({ name, ok });
  console.log(`  ${ok ? "✓" : "✗ FAIL"} demo > ${name}${detail ? ` (${detail})` : ""}`);
}

/** Pixels of a canvas that are not the background, and how many are near each class color. */
function canvasStats(page, id) {
  return page.evaluate((id) => {
    const c = document.getElementById(id);
    const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
    let drawn = 0, blue = 0, orange = 0, line = 0;
    for (let i = 0; i < d.length; i += 4) {
      const [r, g, b, a] = [d[i], d[i + 1], d[i + 2], d[i + 3]];
      if (a > 0 && (r < 245 || g < 245 || b < 245)) drawn++;
      if (b > r + 20) blue++;
      if (r > b + 20) orange++;
      if (Math.abs(r - 37) < 30 && Math.abs(g - 99) < 30 && Math.abs(b - 235) < 30) line++;
    }
    return { total: c.width * c.height, drawn, blue, orange, line };
  }, id);
}

async function visit(browser, { isolated, steps, screenshot }) {
  const server = await serveDemo({ port: 0, isolated });
  const page = await browser.newPage({ viewport: { width: 900, height: 620 } });
  const problems = [];
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  page.on("console", (m) => m.type() === "error" && problems.push(`console error: ${m.text()}`));
  try {
    const t0 = performance.now();
    await page.goto(`${server.url}?steps=${steps}`);
    await page.waitForFunction(() => window.demoResult?.done === true, null, { timeout: 120_000 });
    const seconds = ((performance.now() - t0) / 1000).toFixed(1);
    const r = await page.evaluate(() => window.demoResult);
    const label = isolated ? "isolated" : "not isolated";
    check(`${label}: the page trained without errors`, !r.error && problems.length === 0, r.error ?? (problems.join("; ") || `${steps} steps in ${seconds} s`));
    if (r.error) return;
    const [first, last] = [r.losses[0], r.losses.at(-1)];
    check(`${label}: the loss fell`, r.losses.length === steps && last < first / 3, `${first.toFixed(4)} -> ${last.toFixed(4)} over ${r.losses.length} steps`);
    check(`${label}: the classifier learned the moons`, r.accuracy > 0.9, `accuracy ${(100 * r.accuracy).toFixed(1)}%`);
    const wantVariant = isolated ? "relaxed-threads" : "simd";
    check(`${label}: backend, variant and threads as the page shows them`, r.backend === "wasm" && r.variant === wantVariant && (isolated ? r.threads >= 2 : r.threads === 1),
      `${r.backend}, ${r.variant}, ${r.threads} threads; shown: ${await page.textContent("#variant")}, ${await page.textContent("#threads")}`);
    const boundary = await canvasStats(page, "boundary");
    check(`${label}: the decision boundary is drawn (both classes' regions colored)`, boundary.drawn > 0.9 * boundary.total && boundary.blue > 0.15 * boundary.total && boundary.orange > 0.15 * boundary.total,
      `${boundary.drawn}/${boundary.total} pixels drawn, ${boundary.blue} blue, ${boundary.orange} orange`);
    const loss = await canvasStats(page, "loss");
    check(`${label}: the loss curve is drawn`, loss.line > 300, `${loss.line} pixels of the curve's color`);
    if (screenshot) {
      mkdirSync(OUT, { recursive: true });
      await page.screenshot({ path: screenshot });
      console.log(`  screenshot: ${screenshot}`);
    }
  } catch (e) {
    check(`${isolated ? "isolated" : "not isolated"}: the page finished`, false, `${e.message}${problems.length ? `; ${problems.join("; ")}` : ""}`);
  } finally {
    await page.close();
    await server.close();
  }
}

if (!existsSync(CHROME)) {
  check("Chromium is installed", false, `${CHROME} is missing: apt-get install -y chromium (or set CHROME_BIN)`);
} else {
  const browser = await chromium.launch({ executablePath: CHROME, args: ARGS, headless: true });
  try {
    await visit(browser, { isolated: true, steps: STEPS, screenshot: join(OUT, "screenshot.png") });
    await visit(browser, { isolated: false, steps: Math.min(STEPS, 150), screenshot: null });
  } finally {
    await browser.close();
  }
}

const passed = results.filter((r) => r.ok).length;
const failed = results.length - passed;
console.log(`demo: passed=${passed} failed=${failed}`);
if (process.env.WEBJAX_DEMO_RESULTS) {
  writeFileSync(process.env.WEBJAX_DEMO_RESULTS, JSON.stringify({ passed, failed, skipped: 0, errors: [], ran: true }, null, 2));
}
process.exit(failed ? 1 : 0);
