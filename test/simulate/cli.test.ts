/**
 * `dsari simulate` as a user runs it (the built CLI): golden text and JSON reports of small
 * configurations across both DST changes of Europe/Berlin, and bad input answered with one
 * clear line and a non-zero exit. `UPDATE_GOLDEN=1` rewrites the golden files (review the diff).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeTempDir, runCli } from '../helpers/index.js';

const GOLDEN = join(import.meta.dirname, 'golden');

/** Spring forward (2026-03-29 02:00 → 03:00): 02:30 does not exist that night. */
const SPRING = `
concurrency_groups:
  db:
    max: 1
jobs:
  backup:
    command: /bin/true
    schedule: "30 2 * * *"
    schedule_timezone: Europe/Berlin
    concurrency_groups: [db]
  report:
    command: /bin/true
    schedule: "0 * * * *"
    schedule_timezone: Europe/Berlin
    concurrency_groups: [db]
  vacuum:
    command: /bin/true
    schedule: "RRULE:FREQ=DAILY;BYHOUR=1,2,3;BYMINUTE=45"
    schedule_timezone: Europe/Berlin
    concurrency_groups: [db]
`;

/** Fall back (2026-10-25 03:00 → 02:00): the hour from 02:00 to 03:00 comes twice. */
const FALL = `
concurrency_groups:
  db:
    max: 2
jobs:
  sync:
    command: /bin/true
    schedule: "RRULE:FREQ=MINUTELY;INTERVAL=30"
    schedule_timezone: Europe/Berlin
    concurrency_groups: [db]
  nightly:
    command: /bin/true
    schedule: "RRULE:FREQ=DAILY;BYHOUR=2;BYMINUTE=30"
    schedule_timezone: Europe/Berlin
    concurrency_groups: [db]
  index:
    command: /bin/true
    schedule: "15 2 * * * 0"
    schedule_timezone: Europe/Berlin
    concurrency_groups: [db]
`;

const CASES = [
  { name: 'spring', config: SPRING, args: ['--from', '2026-03-28T22:00', '--until', '+8h', '--durations', 'backup=50m', '--durations', 'report=10m', '--durations', 'vacuum=20m'] },
  { name: 'fall', config: FALL, args: ['--from', '2026-10-25T01:00', '--until', '2026-10-25T04:00', '--durations', '40m', '--durations', 'sync=25m'] },
];

let tmp: { path: string; cleanup: () => void };
let etc: string;

beforeEach(() => {
  tmp = makeTempDir('dsari-sim-cli-');
  etc = join(tmp.path, 'etc');
  mkdirSync(etc);
});
afterEach(() => tmp.cleanup());

function writeConfig(body: string): void {
  writeFileSync(join(etc, 'dsari.yaml'), `data_dir: ${JSON.stringify(join(tmp.path, 'var'))}\n${body}`);
}

function simulate(args: string[]) {
  return runCli('dsari', ['simulate', '-c', etc, '--timezone', 'Europe/Berlin', ...args], { env: { TZ: 'UTC' } });
}

function golden(file: string, actual: string): void {
  const path = join(GOLDEN, file);
  if (process.env['UPDATE_GOLDEN'] === '1' || !existsSync(path)) writeFileSync(path, actual);
  expect(actual).toBe(readFileSync(path, 'utf8'));
}

describe('golden reports across DST changes', () => {
  it.each(CASES)('$name: text and JSON', async ({ name, config, args }) => {
    writeConfig(config);
    const text = await simulate(args);
    expect(text.stderr).toContain('no run store at');
    expect(text.code).toBe(0);
    golden(`${name}.txt`, text.stdout);
    const json = await simulate([...args, '--format', 'json']);
    expect(json.code).toBe(0);
    golden(`${name}.json`, json.stdout);
    const doc = JSON.parse(json.stdout) as { events: Array<{ type: string; epoch: number }>; summary: { jobs: Array<{ runs: number }> } };
    // Every event in time order; as many start and end events as runs.
    expect(doc.events.map((e) => e.epoch)).toEqual([...doc.events.map((e) => e.epoch)].sort((a, b) => a - b));
    const runs = doc.summary.jobs.reduce((n, j) => n + j.runs, 0);
    expect(doc.events.filter((e) => e.type === 'start')).toHaveLength(runs);
    expect(doc.events.filter((e) => e.type === 'end')).toHaveLength(runs);
  });

  it('spring: the 02:30 that does not exist fires once, at 03:00, and the hourly job has no 02:00', async () => {
    writeConfig(SPRING);
    const r = await simulate([...(CASES[0]?.args ?? []), '--format', 'json']);
    const fires = (JSON.parse(r.stdout) as { events: Array<{ type: string; job: string; schedule_time: string }> }).events.filter((e) => e.type === 'fire');
    expect(fires.filter((e) => e.job === 'backup').map((e) => e.schedule_time.slice(11, 19))).toEqual(['03:00:00']);
    const hours = fires.filter((e) => e.job === 'report').map((e) => e.schedule_time.slice(11, 13));
    expect(hours).not.toContain('02');
    expect(hours.slice(0, 5)).toEqual(['22', '23', '00', '01', '03']);
  });

  it('fall: the repeated hour is a real hour for the 30-minute job and the daily 02:30 runs once', async () => {
    writeConfig(FALL);
    const r = await simulate([...(CASES[1]?.args ?? []), '--format', 'json']);
    const doc = JSON.parse(r.stdout) as { events: Array<{ type: string; job: string; schedule_time: string }>; summary: { jobs: Array<{ name: string; fires: number }> } };
    // 01:00 CEST to 04:00 CET is four hours: eight half-hours.
    expect(doc.summary.jobs.find((j) => j.name === 'sync')?.fires).toBe(8);
    expect(doc.events.filter((e) => e.type === 'fire' && e.job === 'nightly')).toHaveLength(1);
  });

  it('--failure-rate makes runs fail, and retries follow', async () => {
    writeConfig(`jobs:\n  flaky:\n    command: /bin/true\n    schedule: "0 * * * *"\n    schedule_timezone: UTC\n    retry: {attempts: 1, delay: 60}\n`);
    const r = await simulate(['--from', '2026-12-07T00:00', '--until', '+10h', '--failure-rate', 'flaky=100%', '--format', 'json']);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as { jobs: Array<{ failure_rate: number }>; summary: { jobs: Array<{ runs: number; retries: number; failed: number }> } };
    expect(doc.jobs[0]?.failure_rate).toBe(1);
    expect(doc.summary.jobs[0]).toMatchObject({ runs: 20, retries: 10, failed: 20 });
  });

  it('writes the report to --output', async () => {
    writeConfig(SPRING);
    const file = join(tmp.path, 'out.json');
    const r = await simulate([...(CASES[0]?.args ?? []), '--format', 'json', '--output', file]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(JSON.parse(readFileSync(file, 'utf8'))).toHaveProperty('summary');
  });
});

describe('bad input', () => {
  const ok = ['--from', '2026-12-07T00:00', '--until', '+1h'];
  it.each([
    ['--until before --from', ['--from', '2026-12-07T00:00', '--until', '2026-12-06T00:00'], /--until \(2026-12-05T23:00:00.000Z\) is not after --from/],
    ['a window of ten years', ['--from', '2026-01-01', '--until', '2036-01-01'], /the window is 3652 days long; at most 366 days/],
    ['an unknown job', [...ok, '--job', 'nope'], /unknown job: "nope"/],
    ['an unreadable time', ['--from', 'yesterday', '--until', '+1h'], /--from: time "yesterday" is neither ISO 8601/],
    ['a bad duration', [...ok, '--durations', 'fast'], /--durations "fast": expected history, p95, SECONDS or JOB=SECONDS/],
    ['a bad failure rate', [...ok, '--failure-rate', 'backup=1.5'], /--failure-rate "backup=1.5": expected JOB=RATE with RATE from 0 to 1/],
    ['a failure rate for an unknown job', [...ok, '--failure-rate', 'ghost=10%'], /--failure-rate names unknown job "ghost"/],
    ['--daemon-start without the store', [...ok, '--daemon-start', '--no-history'], /--daemon-start catches up from the last fires recorded in the run store; it cannot go with --no-history/],
    ['an --output that cannot be written', [...ok, '--output', '/nonexistent-dir/report.txt'], /cannot write --output \/nonexistent-dir\/report.txt: ENOENT/],
  ])('%s', async (_name, args, message) => {
    writeConfig(SPRING);
    const r = await simulate(args);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    // One line says what is wrong (after the "no run store" note once the configuration is read).
    expect(r.stderr.trim().split('\n').at(-1)).toMatch(message);
    expect(r.stderr).not.toMatch(/^\s+at /m);
  });

  it('a store that cannot be read', async () => {
    writeConfig(SPRING);
    mkdirSync(join(tmp.path, 'var'));
    writeFileSync(join(tmp.path, 'var', 'dsari.sqlite3'), 'this is not a database, it is a text file that is long enough to look like one\n'.repeat(20));
    const r = await simulate(ok);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/dsari\.sqlite3.*not a database|file is not a database/);
  });

  it('a configuration with errors', async () => {
    writeConfig(`jobs:\n  broken:\n    command: /bin/true\n    schedule: "61 * * * *"\n`);
    const r = await simulate(ok);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/broken.*schedule/);
  });

  it('a missing --until is a usage error', async () => {
    writeConfig(SPRING);
    const r = await simulate(['--from', 'now']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/required option '--until <time>'/);
  });
});
