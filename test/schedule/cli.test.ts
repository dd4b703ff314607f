/** `dsari schedule`, run from the built dist/ as a user would. */
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/index.js';

const base = ['schedule', '--job', 'hello', '--timezone', 'UTC', '--from', '2020-01-01T00:00:00'];

describe.concurrent('dsari schedule', () => {
  it('prints the next five times, one per line, with offset and milliseconds', async () => {
    const r = await runCli('dsari', [...base, 'H * * * *']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      [
        '2020-01-01T00:10:32.211+00:00',
        '2020-01-01T01:10:32.211+00:00',
        '2020-01-01T02:10:32.211+00:00',
        '2020-01-01T03:10:32.211+00:00',
        '2020-01-01T04:10:32.211+00:00',
        '',
      ].join('\n'),
    );
  });

  it('-n and JSON output', async () => {
    const r = await runCli('dsari', [...base, '-n', '2', '--format', 'json', 'RRULE:FREQ=DAILY']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { time: string; epoch: number }[];
    expect(out.map((x) => x.time)).toEqual(['2020-01-01T09:21:10.211+00:00', '2020-01-02T09:21:10.211+00:00']);
    expect(out[0]?.epoch).toBeCloseTo(1577870470.2111917, 6);
    expect(out[1]?.epoch).toBeCloseTo(1577956870.2111917, 6);
  });

  it('reads a naive --from in --timezone and prints that zone\'s offset', async () => {
    const r = await runCli('dsari', ['schedule', '--job', 'hello', '--timezone', 'Europe/Berlin', '--from', '2021-03-27T12:00:00', '-n', '3', '0 2 * * *']);
    expect(r.code).toBe(0);
    // 2021-03-28 02:00 does not exist in Berlin: fires once at 03:00 CEST, the first instant after the gap.
    expect(r.stdout.trim().split('\n')).toEqual([
      '2021-03-28T03:00:00.211+02:00',
      '2021-03-29T02:00:32.211+02:00',
      '2021-03-30T02:00:32.211+02:00',
    ]);
  });

  it('accepts epoch seconds and an --from with offset', async () => {
    const a = await runCli('dsari', ['schedule', '--job', 'hello', '--timezone', 'UTC', '--from', '1577836800', '-n', '1', '@midnight']);
    const b = await runCli('dsari', ['schedule', '--job', 'hello', '--timezone', 'UTC', '--from', '2020-01-01T01:00:00+01:00', '-n', '1', '@midnight']);
    expect(a.stdout).toBe('2020-01-01T02:10:32.211+00:00\n');
    expect(b.stdout).toBe(a.stdout);
  });

  it('defaults: job "", zone from TZ, start now', async () => {
    const r = await runCli('dsari', ['schedule', '-n', '2', '0 0 * * *'], { env: { TZ: 'Asia/Tokyo' } });
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(2);
    for (const l of lines) expect(l).toMatch(/^\d{4}-\d{2}-\d{2}T00:00:00\.000\+09:00$/);
    const first = Date.parse(lines[0] as string) / 1000;
    expect(first).toBeGreaterThan(Date.now() / 1000 - 5);
    expect(first - Date.now() / 1000).toBeLessThanOrEqual(86_400);
  });

  it('prints fewer times when an RRULE ends', async () => {
    const r = await runCli('dsari', [...base, 'RRULE:FREQ=DAILY;UNTIL=20200103T000000Z']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('2020-01-01T09:21:10.211+00:00\n2020-01-02T09:21:10.211+00:00\n');
  });

  it.each<[string[], RegExp]>([
    [['H H * *'], /^dsari: "H H \* \*" has 4 fields, expected 5 or 6\n$/],
    [['61 * * * *'], /^dsari: minute field "61": value 61 out of range 0-59\n$/],
    [['0 0 30 2 *'], /^dsari: "0 0 30 2 \*" never fires/],
    [['RRULE:FREQ=DAILY;COUNT=2'], /^dsari: .*COUNT is not supported/],
  ])('invalid expression %j: exit 1, one line on stderr', async (args, message) => {
    const r = await runCli('dsari', [...base, ...args]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  it.each<[string[], RegExp]>([
    [['-n', 'x', '* * * * *'], /-n <count>.*invalid/],
    [['-n', '0', '* * * * *'], /-n <count>.*invalid/],
    [['--format', 'xml', '* * * * *'], /--format <format>.*xml/],
    [['--timezone', 'Mars/Olympus', '* * * * *'], /unknown time zone "Mars\/Olympus"/],
    [['--from', 'yesterday', '* * * * *'], /--from <time>.*"yesterday"/],
    [[], /missing required argument 'expr'/],
  ])('bad usage %j: exit 2', async (args, message) => {
    const r = await runCli('dsari', ['schedule', ...args]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(message);
  });

  it('--help exits 0 and shows an example', async () => {
    const r = await runCli('dsari', ['schedule', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/--timezone <zone>/);
    expect(r.stdout).toMatch(/Example:/);
  });
});
