/// <reference lib="dom" />
/**
 * The web console in real headless Chromium against the BUILT daemon: login and logout, the
 * overview updating without a reload, a run page following output live and ending with the exit
 * code, Trigger with environment from the job page, Cancel of a `sleep 600`, Pause and Resume,
 * output with markup shown as text, and phone-sized and dark screenshots (test-artifacts/http/).
 *
 * Without /usr/bin/chromium this test fails in CI (CI=true) and is skipped loudly elsewhere.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { killLeftovers, ROOT, waitFor } from '../helpers/index.js';
import { call, type HttpDaemon, startHttpDaemon } from './http-helpers.js';

const CHROMIUM = '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);
const inCi = process.env['CI'] === 'true';
if (!haveChromium) process.stderr.write(`\n*** ${CHROMIUM} is missing: the console browser test ${inCi ? 'FAILS (CI=true)' : 'is SKIPPED'} ***\n\n`);

/** Screenshots are kept here (git-ignored) as the test's artifacts. */
const ARTIFACTS = join(ROOT, 'test-artifacts', 'http');

const JOBS = `
jobs:
  greet:
    command: [/bin/sh, -c, 'echo "greeting: $GREETING"']
  ticker:
    command: [/bin/sh, -c, 'for i in 1 2 3 4 5 6 7 8 9 10 11 12; do echo "tick $i $(date +%s%3N)"; sleep 0.2; done; printf "\\033[32mgreen\\033[0m done\\n"; exit 7']
  sleeper:
    command: [sleep, '600']
  nasty:
    command: [/bin/sh, -c, 'echo "<script>document.title=\\"pwned\\"</script><img src=x onerror=\\"document.title=1\\"> \\" onmouseover=\\"alert(1)"']
  nightly:
    command: /bin/true
    schedule: "H 3 * * *"
`;

describe.runIf(haveChromium || inCi)('web console in Chromium', () => {
  let browser: Browser;
  let h: HttpDaemon;
  let context: BrowserContext | null = null;
  let errors: string[] = [];

  beforeAll(async () => {
    if (!haveChromium) throw new Error(`${CHROMIUM} is missing; CI must have Chromium for the console browser test`);
    mkdirSync(ARTIFACTS, { recursive: true });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
    h = await startHttpDaemon(JOBS, { httpExtra: 'anonymous: none' });
  });

  afterAll(async () => {
    await browser?.close();
    await h?.daemon.stop();
    expect(await killLeftovers()).toBe(0);
    h?.site.cleanup();
  });

  afterEach(async () => {
    await context?.close();
    context = null;
    // no script errors and no Content-Security-Policy violations on any page
    expect(errors).toEqual([]);
    errors = [];
  });

  async function newPage(options: { colorScheme?: 'light' | 'dark'; phone?: boolean } = {}): Promise<Page> {
    context = await browser.newContext({
      colorScheme: options.colorScheme ?? 'light',
      ...(options.phone === true ? { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 } : { viewport: { width: 1280, height: 900 } }),
    });
    const page = await context.newPage();
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('dialog', (d) => {
      errors.push(`dialog: ${d.message()}`);
      void d.dismiss();
    });
    return page;
  }

  async function login(page: Page, token: string, next = '/'): Promise<void> {
    await page.goto(`${h.base}${next}`);
    await page.waitForURL(/\/login\?next=/);
    await page.fill('#token', token);
    await Promise.all([page.waitForURL(`${h.base}${next}`), page.click('#login-form button[type=submit]')]);
  }

  async function trigger(job: string, body: unknown = {}): Promise<string> {
    const r = await call(h.base, `/api/v1/jobs/${job}/trigger`, { method: 'POST', token: h.tokens.operate, body });
    expect(r.status).toBe(202);
    return r.json<{ run_id: string }>().run_id;
  }

  it('logs in with a token and out again', async () => {
    const page = await newPage();
    await page.goto(`${h.base}/`);
    await page.waitForURL(/\/login\?next=%2F$/);
    await page.fill('#token', 'dsari_wrong');
    await page.click('#login-form button[type=submit]');
    await expect.poll(() => page.textContent('#login-error')).toBe('Unknown token.');
    // the refused login is a 401, which the browser reports as a failed resource: expected here
    expect(errors).toEqual(['Failed to load resource: the server responded with a status of 401 (Unauthorized)']);
    errors = [];
    await page.fill('#token', h.tokens.read);
    await Promise.all([page.waitForURL(`${h.base}/`), page.click('#login-form button[type=submit]')]);
    expect(await page.textContent('header .who')).toBe('reader (read)');
    const cookies = await context!.cookies();
    expect(cookies.find((c) => c.name === 'dsari_session')).toMatchObject({ httpOnly: true, sameSite: 'Strict' });
    // a reader sees no operating forms
    await page.goto(`${h.base}/jobs/greet`);
    expect(await page.locator('#trigger-form').count()).toBe(0);
    await Promise.all([page.waitForURL(/\/login\?next=%2F$/), page.click('header button:has-text("Log out")')]);
    expect((await context!.cookies()).find((c) => c.name === 'dsari_session')).toBeUndefined();
  });

  it('the overview updates without a reload when a run starts and ends', async () => {
    const page = await newPage();
    await login(page, h.tokens.read);
    await page.evaluate(() => ((window as unknown as { marker: number }).marker = 42));
    expect(await page.locator('#running tbody tr').count()).toBe(0);
    const id = await trigger('ticker');
    await page.locator(`#running tr[data-run="${id}"]`).waitFor({ timeout: 10_000 });
    await expect.poll(() => page.textContent(`#running tr[data-run="${id}"] .elapsed`), { timeout: 5_000 }).toMatch(/^[1-9] s$/);
    await page.locator(`#running tr[data-run="${id}"]`).waitFor({ state: 'detached', timeout: 20_000 });
    await page.locator('#failures a', { hasText: 'ticker' }).waitFor({ timeout: 10_000 });
    expect(await page.locator('tr[data-job="ticker"] .dot').getAttribute('class')).toContain('dot-failed');
    expect(await page.evaluate(() => (window as unknown as { marker: number }).marker)).toBe(42);
  });

  it('a run page follows output live (each line within a second) and shows the exit code at the end', async () => {
    const page = await newPage();
    await login(page, h.tokens.read);
    const id = await trigger('ticker');
    await page.goto(`${h.base}/runs/${id}`);
    await page.evaluate(() => {
      const seen: Array<[string, number]> = [];
      (window as unknown as { seen: typeof seen }).seen = seen;
      const pre = document.getElementById('output') as HTMLElement;
      new MutationObserver(() => {
        for (const m of pre.textContent?.matchAll(/tick (\d+) (\d+)/g) ?? []) if (!seen.some(([n]) => n === m[1])) seen.push([m[1] as string, Date.now() - Number(m[2])]);
      }).observe(pre, { childList: true, subtree: true, characterData: true });
    });
    await expect.poll(() => page.textContent('#exit-code'), { timeout: 20_000 }).toBe('7');
    expect(await page.textContent('#follow-state')).toBe('Finished with exit code 7 (failed).');
    expect(await page.locator('#output .a-f2').textContent()).toBe('green');
    const seen = await page.evaluate(() => (window as unknown as { seen: Array<[string, number]> }).seen);
    // lines written after the page started following arrived within a second of being written
    const live = seen.filter(([, delay]) => delay < 60_000);
    expect(live.length).toBeGreaterThan(3);
    for (const [n, delay] of live.slice(-4)) expect(delay, `tick ${n}`).toBeLessThan(1000);
    expect((await page.textContent('#output'))?.match(/tick \d+/g)).toHaveLength(12);
    await page.screenshot({ path: join(ARTIFACTS, 'run-light.png') });
  });

  it('triggers a run with environment variables from the job page, which then shows it', async () => {
    const page = await newPage();
    await login(page, h.tokens.operate, '/jobs/greet');
    await page.fill('#env', 'GREETING=hello from the browser');
    await page.fill('#desc', 'clicked <b>Trigger</b>');
    await Promise.all([page.waitForURL(/\/jobs\/greet\?triggered=/), page.click('#trigger-form button[type=submit]')]);
    const id = new URL(page.url()).searchParams.get('triggered') as string;
    await page.locator(`#history tr[data-run="${id}"]`).waitFor({ timeout: 15_000 });
    await page.click(`#notice a`);
    await expect.poll(() => page.textContent('#output'), { timeout: 15_000 }).toContain('greeting: hello from the browser');
    expect(await page.textContent('main')).toContain('clicked <b>Trigger</b>');
    expect(await page.textContent('#exit-code')).toBe('0');
  });

  it('cancels a running sleep 600 from its run page', async () => {
    const page = await newPage();
    await login(page, h.tokens.operate);
    const id = await trigger('sleeper');
    await waitFor('sleeper running', () => h.site.rows('runs_running').some((r) => r.run_id === id));
    await page.goto(`${h.base}/runs/${id}`);
    await Promise.all([page.waitForURL(/notice=cancelled/), page.click('#cancel-form button')]);
    await expect.poll(() => page.textContent('#follow-state'), { timeout: 20_000 }).toMatch(/^Finished with exit code -?\d+ \(cancelled\)\.$/);
    await waitFor('cancelled record', () => h.site.rows().find((r) => r.run_id === id && JSON.parse(r.run_data).dsari_status === 'cancelled'));
  });

  it('pauses and resumes a job from its page; the overview marks it paused', async () => {
    const page = await newPage();
    await login(page, h.tokens.operate, '/jobs/nightly');
    await page.fill('#reason', 'disk <swap>');
    await Promise.all([page.waitForURL(/notice=paused/), page.click('#pause-form button')]);
    expect(await page.textContent('#paused')).toMatch(/^Paused by operator .*: disk <swap>$/);
    await page.goto(`${h.base}/`);
    expect(await page.locator('tr[data-job="nightly"] .tag.paused').count()).toBe(1);
    expect(await page.locator('tr[data-job="nightly"] .dot').getAttribute('class')).toContain('dot-paused');
    await page.goto(`${h.base}/jobs/nightly`);
    await Promise.all([page.waitForURL(/notice=resumed/), page.click('#resume-form button')]);
    expect(await page.locator('#paused').count()).toBe(0);
    expect(await page.locator('#pause-form').count()).toBe(1);
  });

  it('simulates the next 24 hours from the groups page: one chart row per job, nightly gets its one run', async () => {
    const page = await newPage();
    await login(page, h.tokens.read, '/groups');
    await Promise.all([page.waitForURL(`${h.base}/groups/simulate`), page.click('#simulate-link')]);
    const rows = await page.$$eval('#chart .row', (els) => els.map((e) => ({ job: e.getAttribute('data-job'), bars: e.querySelectorAll('.run').length })));
    expect(rows.map((r) => r.job).sort()).toEqual(['greet', 'nasty', 'nightly', 'sleeper', 'ticker']);
    expect(rows.find((r) => r.job === 'nightly')?.bars).toBe(1);
    expect(rows.filter((r) => r.job !== 'nightly').every((r) => r.bars === 0)).toBe(true);
  });

  it('shows markup in output as text: no script runs', async () => {
    const page = await newPage();
    await login(page, h.tokens.read);
    const id = await trigger('nasty');
    await waitFor('nasty recorded', () => h.site.rows().some((r) => r.run_id === id));
    await page.goto(`${h.base}/runs/${id}`);
    await expect.poll(() => page.textContent('#output')).toContain('<script>document.title="pwned"</script><img src=x');
    expect(await page.title()).not.toBe('pwned');
    expect(await page.locator('#output script, #output img').count()).toBe(0);
    await page.hover('#output');
  });

  it('fits a phone and follows the dark system theme (screenshots saved)', async () => {
    const phone = await newPage({ phone: true });
    await login(phone, h.tokens.operate);
    const overflow = await phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await phone.screenshot({ path: join(ARTIFACTS, 'overview-phone.png'), fullPage: true });
    await phone.goto(`${h.base}/jobs/greet`);
    expect(await phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).toBeLessThanOrEqual(0);
    await phone.screenshot({ path: join(ARTIFACTS, 'job-phone.png'), fullPage: true });
    await context?.close();
    const dark = await newPage({ colorScheme: 'dark' });
    await login(dark, h.tokens.operate);
    const bg = await dark.evaluate(() => getComputedStyle(document.body).backgroundColor);
    expect(bg).toBe('rgb(15, 17, 21)');
    await dark.screenshot({ path: join(ARTIFACTS, 'overview-dark.png') });
    await dark.goto(`${h.base}/jobs/ticker`);
    await dark.screenshot({ path: join(ARTIFACTS, 'job-dark.png'), fullPage: true });
    await dark.goto(`${h.base}/schedule?expression=H%203%20*%20*%20*&job=nightly&timezone=Europe%2FBerlin`);
    expect(await dark.locator('#times li').count()).toBe(10);
    expect(existsSync(join(ARTIFACTS, 'overview-dark.png'))).toBe(true);
  });
});
