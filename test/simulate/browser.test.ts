/**
 * The simulation page in real headless Chromium: it loads from file:// with no errors and no
 * request beyond itself, the chart has one row per job and one bar per run (counted against
 * the JSON report of the same simulation), waits are hatched, the group row is shaded, zooming
 * narrows the range, and the page fits a phone's width. Screenshots go to test-artifacts/.
 *
 * Without /usr/bin/chromium this test fails in CI (CI=true) and is skipped loudly elsewhere.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir, ROOT, runCli } from '../helpers/index.js';

const CHROMIUM = '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);
const inCi = process.env['CI'] === 'true';
if (!haveChromium) process.stderr.write(`\n*** ${CHROMIUM} is missing: the simulation browser test ${inCi ? 'FAILS (CI=true)' : 'is SKIPPED'} ***\n\n`);
const ARTIFACTS = join(ROOT, 'test-artifacts');

const CONFIG = `
concurrency_groups:
  builds:
    max: 1
jobs:
  hello:
    command: /bin/true
    schedule: "* * * * * */10"
  build-a:
    command: /bin/true
    schedule: "* * * * * */15"
    concurrency_groups: [builds]
  build-b:
    command: /bin/true
    schedule: "* * * * * */15"
    concurrency_groups: [builds]
  a-job-with-a-rather-long-name-for-a-phone:
    command: /bin/true
    schedule: "* * * * * */20"
  on-demand:
    command: /bin/true
`;

interface Doc {
  summary: { jobs: Array<{ name: string; runs: number; queued: number }> };
}

describe.runIf(haveChromium || inCi)('the simulation page in Chromium', () => {
  let tmp: { path: string; cleanup: () => void };
  let page: string;
  let doc: Doc;
  let browser: Browser;

  beforeAll(async () => {
    if (!haveChromium) throw new Error(`${CHROMIUM} is missing; CI must have Chromium for the simulation browser test`);
    tmp = makeTempDir('dsari-sim-html-');
    const etc = join(tmp.path, 'etc');
    mkdirSync(etc);
    writeFileSync(join(etc, 'dsari.yaml'), `data_dir: ${JSON.stringify(join(tmp.path, 'var'))}\n${CONFIG}`);
    page = join(tmp.path, 'simulation.html');
    const args = ['simulate', '-c', etc, '--from', '2026-12-07T00:00', '--until', '+2m', '--timezone', 'UTC', '--durations', 'build-a=8', '--durations', 'build-b=8', '--durations', '2'];
    const html = await runCli('dsari', [...args, '--format', 'html', '--output', page], { env: { TZ: 'UTC' } });
    expect(html.code, html.stderr).toBe(0);
    const json = await runCli('dsari', [...args, '--format', 'json'], { env: { TZ: 'UTC' } });
    doc = JSON.parse(json.stdout) as Doc;
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
    mkdirSync(ARTIFACTS, { recursive: true });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    tmp?.cleanup();
  });

  it('is one small self-contained file', () => {
    const text = readFileSync(page, 'utf8');
    expect(text).not.toMatch(/<(script|link|img)[^>]+(src|href)=/i);
    // The only URL is the SVG namespace name, which is never fetched.
    expect(text.replaceAll('http://www.w3.org/2000/svg', '')).not.toMatch(/https?:\/\//);
    expect(text.length).toBeLessThan(60_000);
  });

  for (const vp of [
    { name: 'desktop', width: 1280, height: 800, isMobile: false },
    { name: 'phone', width: 390, height: 844, isMobile: true },
  ]) {
    it(`${vp.name}: a row per job, a bar per run, hatched waits, a shaded group; zooms`, async () => {
      const context = await browser.newContext({ viewport: { width: vp.width, height: vp.height }, isMobile: vp.isMobile, hasTouch: vp.isMobile });
      const p = await context.newPage();
      const errors: string[] = [];
      const requests: string[] = [];
      p.on('pageerror', (e) => errors.push(String(e)));
      p.on('console', (m) => {
        if (m.type() === 'error') errors.push(m.text());
      });
      p.on('request', (r) => requests.push(r.url()));
      await p.goto(pathToFileURL(page).href);
      const rows = await p.$$eval('#chart .row', (els) => els.map((e) => ({ job: e.getAttribute('data-job'), runs: Number(e.getAttribute('data-runs')), bars: e.querySelectorAll('.run').length, waits: e.querySelectorAll('.wait').length })));
      expect(rows.map((r) => r.job)).toEqual(doc.summary.jobs.map((j) => j.name));
      for (const job of doc.summary.jobs) {
        const row = rows.find((r) => r.job === job.name);
        expect(row, job.name).toMatchObject({ runs: job.runs, bars: job.runs, waits: job.queued });
      }
      expect(rows.find((r) => r.job === 'build-b')?.waits).toBeGreaterThan(0);
      expect(await p.$$eval('#chart .group-row[data-group="builds"] .use.full', (els) => els.length)).toBeGreaterThan(0);
      const hatch = await p.evaluate<string>("getComputedStyle(document.querySelector('#chart .wait')).fill");
      expect(hatch).toContain('url(');
      // The chart fits the screen; the tables scroll inside their own box.
      expect(await p.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(vp.width);
      await p.screenshot({ path: join(ARTIFACTS, `simulate-${vp.name}.png`), fullPage: true });
      const before = await p.textContent('#range');
      await p.click('#zoom-in');
      await p.click('#zoom-in');
      const after = await p.textContent('#range');
      expect(after).not.toBe(before);
      // Zoomed in to a quarter: fewer hello bars drawn, none lost from the data.
      const helloBars = await p.$eval('#chart .row[data-job="hello"]', (e) => e.querySelectorAll('.run').length);
      expect(helloBars).toBeGreaterThan(0);
      expect(helloBars).toBeLessThan(rows.find((r) => r.job === 'hello')?.runs ?? 0);
      await p.click('#zoom-reset');
      expect(await p.textContent('#range')).toBe(before);
      await p.click('#chart .row[data-job="build-b"] .run');
      expect(await p.textContent('#detail')).toMatch(/^build-b: scheduled .* started .* after waiting .* ended/);
      expect(errors).toEqual([]);
      expect(requests.every((u) => u.startsWith('file://'))).toBe(true);
      await context.close();
    });
  }
});
