#!/usr/bin/env node
/* Browser test of the web terminal (web/), driven through headless Chromium with
 * playwright-core. It loads the page from a running API server (or from the mock in
 * web/dev/mock_server.mjs with --mock), then checks, each with a message naming what failed:
 *   - the connection indicator reaches `live`;
 *   - the tape fills (at least --min-rows rows, unique event ids, known profiles) and, with
 *     --expect-stream, that new live rows keep arriving;
 *   - clicking a row opens the drawer on that event with six score rows and readable reason
 *     chips, and the detail (member prints) loads;
 *   - Esc closes the drawer; `/` focuses search; j + Enter opens the selected row; p pauses;
 *   - a profile filter leaves only that profile's rows, and clearing it brings others back;
 *   - the search box narrows the tape to one event id;
 *   - no uncaught page error happened.
 * It saves a screenshot with the drawer open (--screenshot) and of the full tape
 * (--screenshot-tape). Exit 0 when every check passed, 1 on a failed check, 2 on bad usage or
 * a missing dependency.
 *
 *   node tests/api/browser_ui.mjs --url http://127.0.0.1:8080/ [--screenshot /tmp/ui.png]
 *        [--screenshot-tape /tmp/tape.png] [--chromium /usr/bin/chromium] [--timeout 30000]
 *        [--min-rows 20] [--expect-stream] [--mock]
 *
 * playwright-core is found from $SF_PLAYWRIGHT_DIR, the working directory, this script's
 * directory, or the global npm root (install: PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm i
 * playwright-core). */

import { createRequire } from 'node:module';
import { spawn, execFileSync } from 'node:child_process';
import path from 'node:path';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(HERE, '..', '..');
const PROFILES = ['institutional_directional', 'retail_whale', 'event_driven', 'vol_seller', 'arbitrage', 'hedge_reactive'];

function usage(msg) {
  process.stderr.write(`browser_ui: ${msg}\n`);
  process.stderr.write('usage: browser_ui.mjs --url URL [--screenshot PATH] [--screenshot-tape PATH] [--chromium PATH] [--timeout MS] [--min-rows N] [--expect-stream] [--mock]\n');
  process.exit(2);
}

function parseArgs(argv) {
  const o = { url: '', screenshot: '', screenshotTape: '', chromium: process.env.CHROMIUM || '/usr/bin/chromium', timeout: 30000, minRows: 20, expectStream: false, mock: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = () => {
      if (i + 1 >= argv.length) usage(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '--url') o.url = val();
    else if (a === '--screenshot') o.screenshot = val();
    else if (a === '--screenshot-tape') o.screenshotTape = val();
    else if (a === '--chromium') o.chromium = val();
    else if (a === '--timeout') o.timeout = Number(val());
    else if (a === '--min-rows') o.minRows = Number(val());
    else if (a === '--expect-stream') o.expectStream = true;
    else if (a === '--mock') o.mock = true;
    else if (a === '--help' || a === '-h') {
      process.stdout.write('usage: browser_ui.mjs --url URL [--screenshot PATH] [--screenshot-tape PATH] [--chromium PATH] [--timeout MS] [--min-rows N] [--expect-stream] [--mock]\n');
      process.exit(0);
    } else usage(`unknown option ${a}`);
  }
  if (!o.url && !o.mock) usage('--url is required (or --mock)');
  if (!Number.isFinite(o.timeout) || o.timeout <= 0) usage('--timeout must be a positive number of ms');
  if (!Number.isInteger(o.minRows) || o.minRows < 1) usage('--min-rows must be an integer >= 1');
  return o;
}

function loadPlaywright() {
  const dirs = [process.env.SF_PLAYWRIGHT_DIR, process.cwd(), HERE, REPO].filter(Boolean);
  try {
    dirs.push(execFileSync('npm', ['root', '-g'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
  } catch (e) {
    /* npm missing: the other places may still hold it */
  }
  for (const d of dirs) {
    try {
      const req = createRequire(path.join(d, 'noop.js'));
      return req(req.resolve('playwright-core', { paths: [d, path.join(d, 'node_modules')] }));
    } catch (e) {
      /* try the next place */
    }
  }
  process.stderr.write(`browser_ui: playwright-core not found (looked in ${dirs.join(', ')}); install it with PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm i playwright-core, or set SF_PLAYWRIGHT_DIR\n`);
  process.exit(2);
}

function startMock() {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(REPO, 'web', 'dev', 'mock_server.mjs'), '--port', '0', '--rate', '25', '--quiet'], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    const t = setTimeout(() => reject(new Error('mock server did not start within 10 s')), 10000);
    child.stdout.on('data', (d) => {
      out += d;
      const m = /listening (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(t);
        resolve({ child, url: m[1] });
      }
    });
    child.on('exit', (code) => reject(new Error(`mock server exited with ${code}`)));
  });
}

class Fail extends Error {}
const fail = (msg) => {
  throw new Fail(msg);
};

async function poll(fn, timeoutMs, intervalMs = 100) {
  const end = Date.now() + timeoutMs;
  let last;
  for (;;) {
    last = await fn();
    if (last && last.ok) return last;
    if (Date.now() > end) return last || { ok: false };
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  if (!fs.existsSync(o.chromium)) {
    process.stderr.write(`browser_ui: no Chromium at ${o.chromium} (apt-get install -y chromium, or pass --chromium)\n`);
    process.exit(2);
  }
  const { chromium } = loadPlaywright();
  let mock = null;
  if (o.mock) {
    mock = await startMock();
    o.url = mock.url;
    o.expectStream = true;
  }
  const browser = await chromium.launch({
    executablePath: o.chromium,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const pageErrors = [];
  const consoleErrors = [];
  let passed = 0;
  const ok = (what) => {
    passed++;
    process.stdout.write(`ok ${passed} - ${what}\n`);
  };
  try {
    const ctx = await browser.newContext({ viewport: { width: 1680, height: 940 }, deviceScaleFactor: 1, timezoneId: 'America/New_York' });
    const page = await ctx.newPage();
    page.on('pageerror', (e) => pageErrors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
    const resp = await page.goto(o.url, { waitUntil: 'domcontentloaded', timeout: o.timeout }).catch((e) => fail(`cannot load ${o.url}: ${e.message}`));
    if (!resp || !resp.ok()) fail(`loading ${o.url} gave HTTP ${resp ? resp.status() : 'no response'}`);
    ok(`page ${o.url} loaded`);

    /* connection indicator */
    const conn = page.locator('[data-testid="conn"]');
    const live = await poll(async () => {
      const s = await conn.getAttribute('data-state').catch(() => null);
      return { ok: s === 'live', s };
    }, o.timeout);
    if (!live.ok) fail(`connection indicator is "${live.s}", never reached "live" within ${o.timeout} ms`);
    ok('connection indicator is live');

    /* tape fills, with at least one scored (not abstained) event to open later: most events
     * abstain, so a short wait can fill the tape with abstentions only */
    const rows = page.locator('[data-testid="tape"] [data-testid="tape-row"]');
    const scored = page.locator('[data-testid="tape"] [data-testid="tape-row"]:not([data-profile="none"])');
    const filled = await poll(async () => {
      const n = await rows.count();
      const p = await scored.count();
      return { ok: n >= o.minRows && p >= 1, n, p };
    }, o.timeout);
    if (!filled.ok)
      fail(`tape holds ${filled.n} rows (${filled.p} with a primary profile) after ${o.timeout} ms, expected at least ${o.minRows} and one with a profile`);
    const meta = await page.$$eval('[data-testid="tape-row"]', (els) => els.map((e) => ({ id: e.dataset.eventId, p: e.dataset.profile })));
    const ids = new Set();
    for (const r of meta) {
      if (!r.id) fail('a tape row has an empty data-event-id');
      if (ids.has(r.id)) fail(`event ${r.id} appears twice in the tape`);
      ids.add(r.id);
      if (r.p !== 'none' && !PROFILES.includes(r.p)) fail(`tape row ${r.id} has unknown data-profile "${r.p}"`);
    }
    ok(`tape filled with ${meta.length} rows, ids unique, profiles known`);

    if (o.expectStream) {
      const top0 = meta[0].id;
      const moved = await poll(async () => {
        const t = await rows.first().getAttribute('data-event-id');
        return { ok: t !== top0, t };
      }, o.timeout);
      if (!moved.ok) fail(`no new live row reached the top of the tape within ${o.timeout} ms`);
      ok('live rows keep arriving at the top');
    }

    if (o.screenshotTape) {
      await page.screenshot({ path: o.screenshotTape });
      ok(`tape screenshot saved to ${o.screenshotTape}`);
    }

    /* pause so the rows stay put while we click and count */
    await page.keyboard.press('p');
    const pausedOk = await poll(async () => ({ ok: await page.locator('[data-role="paused-badge"]').isVisible() }), o.timeout);
    if (!pausedOk.ok) fail('pressing p did not show the PAUSED badge');
    ok('p pauses the tape');

    /* drawer */
    const target = page.locator('[data-testid="tape-row"]:not([data-profile="none"])').first();
    if ((await target.count()) === 0) fail('no tape row with a primary profile to open');
    const targetId = await target.getAttribute('data-event-id');
    const targetProfile = await target.getAttribute('data-profile');
    await target.click();
    const drawer = page.locator('[data-testid="drawer"]');
    await drawer.waitFor({ state: 'visible', timeout: o.timeout }).catch(() => fail('clicking a tape row did not open the drawer'));
    const did = await drawer.getAttribute('data-event-id');
    if (did !== targetId) fail(`drawer shows event ${did}, expected ${targetId}`);
    const scoreRows = drawer.locator('[data-testid="score-row"]');
    const nScores = await scoreRows.count();
    if (nScores !== 6) fail(`drawer ladder has ${nScores} score rows, expected 6`);
    const scoreProfiles = await scoreRows.evaluateAll((els) => els.map((e) => e.dataset.profile));
    for (const p of PROFILES) if (!scoreProfiles.includes(p)) fail(`drawer ladder lacks profile ${p}`);
    const reasons = await drawer.locator('[data-testid="reason"]').allTextContents();
    if (!reasons.length) fail('drawer shows no reason chips');
    if (reasons.some((t) => !t.trim() || /_/.test(t))) fail(`reason chips are not readable text: ${JSON.stringify(reasons.slice(0, 5))}`);
    ok(`drawer opened on ${targetId} with 6 score rows and ${reasons.length} reasons`);
    const loaded = await poll(async () => ({ ok: (await drawer.getAttribute('data-loaded')) === 'true' }), o.timeout);
    if (!loaded.ok) {
      const text = (await drawer.locator('[data-role="drawer-body"]').innerText()).slice(0, 300);
      fail(`drawer detail (/flow/smart-money/${targetId}) did not load: ${text.replace(/\s+/g, ' ')}`);
    }
    const nPrints = await drawer.locator('[data-testid="member-print"]').count();
    if (nPrints < 1) fail('drawer detail loaded but shows no member prints');
    const sides = await drawer.locator('[data-testid="member-print"] .nside').allTextContents();
    if (sides.some((s) => !['AA', 'A', 'MID', 'B', 'BB', 'MISSING', 'STALE', '—'].includes(s))) fail(`member prints show unknown NBBO sides ${JSON.stringify(sides)}`);
    ok(`drawer detail loaded with ${nPrints} member prints`);
    if (o.screenshot) {
      await page.screenshot({ path: o.screenshot });
      ok(`drawer screenshot saved to ${o.screenshot}`);
    }
    await page.keyboard.press('Escape');
    await drawer.waitFor({ state: 'hidden', timeout: o.timeout }).catch(() => fail('Esc did not close the drawer'));
    ok('Esc closes the drawer');

    /* keyboard: j + Enter opens the selection */
    await page.keyboard.press('j');
    await page.keyboard.press('Enter');
    await drawer.waitFor({ state: 'visible', timeout: o.timeout }).catch(() => fail('j then Enter did not open the drawer'));
    const selId = await page.locator('[data-testid="tape-row"].sel').first().getAttribute('data-event-id').catch(() => null);
    if (!selId || selId !== (await drawer.getAttribute('data-event-id'))) fail('the drawer opened by Enter is not the selected row');
    await page.keyboard.press('Escape');
    await drawer.waitFor({ state: 'hidden', timeout: o.timeout }).catch(() => fail('Esc did not close the drawer'));
    ok('j + Enter opens the selected row');

    /* profile filter */
    await page.locator(`[data-testid="filter-profile-${targetProfile}"]`).click();
    const only = await poll(async () => {
      const ps = await page.$$eval('[data-testid="tape-row"]', (els) => els.map((e) => e.dataset.profile));
      const others = ps.filter((p) => p !== targetProfile);
      return { ok: ps.length > 0 && others.length === 0, n: ps.length, others };
    }, o.timeout);
    if (!only.ok) fail(`after filtering on ${targetProfile}: ${only.n} rows, ${only.others ? only.others.length : '?'} of other profiles (${[...new Set(only.others || [])].join(', ')})`);
    ok(`profile filter ${targetProfile} leaves only its ${only.n} rows`);
    await page.locator(`[data-testid="filter-profile-${targetProfile}"]`).click();
    const back = await poll(async () => {
      const ps = await page.$$eval('[data-testid="tape-row"]', (els) => els.map((e) => e.dataset.profile));
      return { ok: ps.some((p) => p !== targetProfile) };
    }, o.timeout);
    if (!back.ok && meta.some((r) => r.p !== targetProfile)) fail('clearing the profile filter did not bring the other profiles back');
    ok('clearing the profile filter restores the tape');

    /* search: '/' focuses it, an event id narrows to one row */
    await page.keyboard.press('/');
    const focused = await page.evaluate(() => document.activeElement && document.activeElement.dataset.testid);
    if (focused !== 'search') fail(`'/' focused ${focused || 'nothing'}, not the search box`);
    await page.keyboard.type(targetId);
    const one = await poll(async () => {
      const idsNow = await page.$$eval('[data-testid="tape-row"]', (els) => els.map((e) => e.dataset.eventId));
      return { ok: idsNow.length === 1 && idsNow[0] === targetId, idsNow };
    }, o.timeout);
    if (!one.ok) fail(`searching for ${targetId} left ${one.idsNow ? one.idsNow.length : '?'} rows, expected exactly that event`);
    await page.keyboard.press('Escape');
    await page.locator('[data-role="clear"]').click();
    ok("'/' focuses search and an event id narrows the tape to it");

    await page.keyboard.press('p');
    if (pageErrors.length) fail(`uncaught page errors: ${pageErrors.join(' | ')}`);
    ok('no uncaught page errors');
    if (consoleErrors.length) process.stdout.write(`# console errors (not fatal): ${consoleErrors.slice(0, 5).join(' | ')}\n`);
    process.stdout.write(`${passed} passed, 0 failed\n`);
    return 0;
  } catch (e) {
    if (e instanceof Fail) {
      process.stderr.write(`browser_ui: FAIL: ${e.message}\n`);
      if (pageErrors.length) process.stderr.write(`browser_ui: page errors: ${pageErrors.join(' | ')}\n`);
      process.stdout.write(`${passed} passed, 1 failed\n`);
      return 1;
    }
    throw e;
  } finally {
    await browser.close().catch(() => {});
    if (mock) mock.child.kill('SIGTERM');
  }
}

main().then((code) => process.exit(code), (e) => {
  process.stderr.write(`browser_ui: FAIL: ${e && e.stack ? e.stack : e}\n`);
  process.exit(1);
});
