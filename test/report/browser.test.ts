/**
 * The rendered pages in real headless Chromium: they load from file:// with no console errors,
 * fetch nothing but their own files, show failures in colour, render ANSI colours, draw the
 * chart, and fit a phone's width. Screenshots go to the test's temp dir (KEEP_TMP=1 keeps them).
 *
 * Without /usr/bin/chromium this test fails in CI (CI=true) and is skipped loudly elsewhere.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Logger, MemorySink } from '../../src/log.js';
import { renderReports } from '../../src/report/render.js';
import { SqliteStore } from '../../src/store/index.js';
import { makeTempDir } from '../helpers/index.js';
import { type FixtureRun, config, job, runId, writeRuns } from './fixtures.js';

const CHROMIUM = '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);
const inCi = process.env['CI'] === 'true';
if (!haveChromium) {
  const msg = `${CHROMIUM} is missing: the report browser test ${inCi ? 'FAILS (CI=true)' : 'is SKIPPED'}`;
  process.stderr.write(`\n*** ${msg} ***\n\n`);
}

const VIEWPORTS = [
  { name: 'desktop', width: 1280, height: 900, isMobile: false },
  { name: 'phone', width: 390, height: 844, isMobile: true },
] as const;

describe.runIf(haveChromium || inCi)('report pages in Chromium', () => {
  let tmp: { path: string; cleanup: () => void };
  let html: string;
  let browser: Browser;
  const now = Date.now() / 1000;

  beforeAll(async () => {
    if (!haveChromium) throw new Error(`${CHROMIUM} is missing; CI must have Chromium for the report browser test`);
    tmp = makeTempDir('dsari-browser-');
    const dataDir = join(tmp.path, 'var');
    html = join(dataDir, 'html');
    const runs: FixtureRun[] = [];
    for (let i = 0; i < 30; i++) {
      runs.push({
        job: i % 3 === 0 ? 'nightly backup' : 'build',
        id: runId(i),
        start: now - 86_400 + i * 2000,
        stop: now - 86_400 + i * 2000 + 3 + i * 11.5,
        exit: i % 7 === 3 ? 2 : 0,
        triggerType: i % 4 === 0 ? 'file' : 'schedule',
        triggerData: i % 4 === 0 ? { description: `deploy <b>#${i}</b> requested by a very long name that must wrap on a phone screen`, environment: { BRANCH: 'main' } } : {},
        output: `$ make\n\x1b[1;34m==>\x1b[0m building\n\x1b[31merror:\x1b[0m something <script>alert(1)</script>\n${'a-rather-long-line-of-output-without-spaces-'.repeat(6)}\n\x1b[32mdone\x1b[0m\n`,
      });
    }
    writeRuns(dataDir, runs);
    const log = new Logger({ sink: new MemorySink() });
    const store = new SqliteStore(join(dataDir, 'dsari.sqlite3'), { log });
    await store.open();
    try {
      await renderReports({ config: config(dataDir, [job('build', { schedule: 'H/30 * * * *' }), job('nightly backup'), job('never ran')]), store, log, now });
    } finally {
      await store.close();
    }
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    tmp?.cleanup();
  });

  const pages = [
    { name: 'index', rel: 'index.html' },
    { name: 'job', rel: 'build/index.html' },
    { name: 'run', rel: `build/${runId(10)}/index.html` },
  ];

  for (const vp of VIEWPORTS) {
    for (const p of pages) {
      it(`${p.name} page on a ${vp.name}: no console errors, no foreign requests, fits the width`, async () => {
        const context = await browser.newContext({ viewport: { width: vp.width, height: vp.height }, isMobile: vp.isMobile, hasTouch: vp.isMobile });
        const page = await context.newPage();
        const errors: string[] = [];
        const requests: string[] = [];
        const failed: string[] = [];
        page.on('console', (m) => {
          if (m.type() === 'error' || m.type() === 'warning') errors.push(m.text());
        });
        page.on('pageerror', (e) => errors.push(String(e)));
        page.on('request', (r) => requests.push(r.url()));
        page.on('requestfailed', (r) => failed.push(r.url()));
        try {
          const url = pathToFileURL(join(html, p.rel)).href;
          await page.goto(url, { waitUntil: 'load' });
          await page.screenshot({ path: join(tmp.path, `${p.name}-${vp.name}.png`), fullPage: true });
          expect(errors).toEqual([]);
          expect(failed).toEqual([]);
          const root = pathToFileURL(html).href;
          expect(requests.filter((u) => !u.startsWith(`${root}/`))).toEqual([]);
          expect(requests).toContain(`${root}/dsari.css`);
          // Nothing overflows the page sideways: wide tables scroll inside their own box.
          const overflow = await page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth');
          expect(overflow).toBeLessThanOrEqual(0);
          // The stylesheet applied: failed rows are coloured.
          // (Page code is given as strings: the project's TypeScript has no DOM types.)
          const failBg = await page.evaluate<string | null>(`(() => {
            const cell = document.querySelector('tr.fail td, tr.fail th');
            return cell === null ? null : getComputedStyle(cell).backgroundColor;
          })()`);
          if (p.name !== 'run' || failBg !== null) expect(failBg).not.toMatch(/^(rgba\(0, 0, 0, 0\)|transparent)$/);
          if (p.name === 'job') {
            const bars = await page.evaluate<string[]>(
              "[...document.querySelectorAll('svg.chart rect.bar')].map((r) => getComputedStyle(r).fill)",
            );
            expect(bars.length).toBe(20);
            expect(new Set(bars).size).toBe(2);
          }
          if (p.name === 'run') {
            const colours = await page.evaluate<{ red: string; bold: string; scripts: number; text: string }>(`({
              red: getComputedStyle(document.querySelector('pre.output .a-f1')).color,
              bold: getComputedStyle(document.querySelector('pre.output .a-bold')).fontWeight,
              scripts: document.querySelectorAll('script').length,
              text: document.querySelector('pre.output').innerText,
            })`);
            expect(colours.red).toBe('rgb(224, 108, 117)');
            expect(Number(colours.bold)).toBeGreaterThanOrEqual(700);
            expect(colours.scripts).toBe(0);
            expect(colours.text).toContain('error: something <script>alert(1)</script>');
          }
        } finally {
          await context.close();
        }
      });
    }
  }
});

if (!haveChromium && !inCi) {
  describe('report pages in Chromium', () => {
    it.skip(`SKIPPED: needs ${CHROMIUM}`, () => undefined);
  });
}
