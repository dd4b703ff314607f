/**
 * dsari-info job list keeps the next runs it found (src/config/next-runs.ts) and the next command
 * takes them while they are still the answer: for the same job name, schedule and zone, from the
 * time found up to the schedule's keptUntil. On the built CLI; that an entry is taken is shown by
 * planting a text no schedule gives.
 */
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeTempDir, runCli } from '../helpers/index.js';

describe('next runs kept between commands', () => {
  let tmp: { path: string; cleanup: () => void };
  let etc: string;
  let cache: string;
  const yaml = (yearly: string): string =>
    `data_dir: ${JSON.stringify(join(tmp.path, 'var'))}\njobs:\n` +
    `  yearly:\n    command: ["true"]\n    schedule: "${yearly}"\n` +
    `  midsummer:\n    command: ["true"]\n    schedule: "30 12 15 6 * 0"\n    schedule_timezone: Europe/Berlin\n` +
    `  random:\n    command: ["true"]\n    schedule: "R R 1 1 *"\n` +
    `  manual:\n    command: ["true"]\n`;
  beforeEach(() => {
    tmp = makeTempDir('dsari-next-runs-');
    etc = join(tmp.path, 'etc');
    cache = join(tmp.path, 'cache');
    writeTreeFile(join(etc, 'dsari.yaml'), yaml('0 0 1 1 * 0'));
  });
  afterEach(() => tmp.cleanup());

  function writeTreeFile(file: string, text: string): void {
    mkdirSync(join(file, '..'), { recursive: true });
    writeFileSync(file, text);
  }

  const nextFile = (): string | undefined => {
    const names = readdirSync(join(cache, 'dsari')).filter((f) => f.startsWith('next-') && f.endsWith('.json'));
    return names.length === 1 ? join(cache, 'dsari', names[0] as string) : undefined;
  };
  const jobs = async (env: Record<string, string> = {}): Promise<Record<string, { next_scheduled_run: string | null }>> => {
    const r = await runCli('dsari-info', ['-c', etc, 'job', 'list', '--format', 'json'], { env: { XDG_CACHE_HOME: cache, TZ: 'UTC', ...env } });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    return JSON.parse(r.stdout) as Record<string, { next_scheduled_run: string | null }>;
  };
  // (the R form's next run is drawn anew by every command: compared apart)
  const nexts = (j: Record<string, { next_scheduled_run: string | null }>): Record<string, string | null> =>
    Object.fromEntries(Object.entries(j).filter(([k]) => k !== 'random').map(([k, v]) => [k, v.next_scheduled_run]));

  it('are written by the first command, taken by the next, and print what computing them prints', async () => {
    const computed = nexts(await jobs({ DSARI_CONFIG_CACHE: 'off' }));
    expect(computed['yearly']).toMatch(/^\d{4}-01-01T00:00:00\.\d{6}\+00:00$/);
    expect(computed['midsummer']).toMatch(/^\d{4}-06-15T12:30:00\.\d{6}\+02:00$/);
    expect(computed['manual']).toBeNull();
    expect(nexts(await jobs())).toEqual(computed);
    const file = nextFile() as string;
    expect(file).toBeDefined();
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const kept = JSON.parse(readFileSync(file, 'utf8')) as { jobs: Record<string, unknown[]> };
    // the R form draws new values every time: not kept; nor a job without a schedule
    expect(Object.keys(kept.jobs).sort()).toEqual(['midsummer', 'yearly']);
    const mtime = statSync(file).mtimeMs;
    expect(nexts(await jobs())).toEqual(computed);
    // everything it needed was there: not written again
    expect(statSync(file).mtimeMs).toBe(mtime);
  });

  it('are taken only for the same schedule, zone and time window', async () => {
    await jobs();
    const file = nextFile() as string;
    const data = JSON.parse(readFileSync(file, 'utf8')) as { jobs: Record<string, [string, string, number, number, string]> };
    const plant = (edit: (e: [string, string, number, number, string]) => void): void => {
      const copy = structuredClone(data);
      for (const e of Object.values(copy.jobs)) edit(e);
      writeFileSync(file, JSON.stringify(copy));
    };
    // a planted text is printed: the entries are read and taken
    plant((e) => (e[4] = 'PLANTED'));
    let got = nexts(await jobs());
    expect(got['yearly']).toBe('PLANTED');
    expect(got['midsummer']).toBe('PLANTED');
    // not once the window has passed (or before it began)
    plant((e) => {
      e[4] = 'PLANTED';
      e[3] = e[2] + 1e-3;
    });
    got = nexts(await jobs());
    expect(got['yearly']).not.toBe('PLANTED');
    plant((e) => {
      e[4] = 'PLANTED';
      e[2] = Date.now() / 1000 + 3600;
    });
    expect(nexts(await jobs())['yearly']).not.toBe('PLANTED');
    // not for another zone
    plant((e) => {
      e[4] = 'PLANTED';
      e[1] = 'Asia/Tokyo';
    });
    expect(nexts(await jobs())['yearly']).not.toBe('PLANTED');
    // not after the schedule changed
    plant((e) => (e[4] = 'PLANTED'));
    writeFileSync(join(etc, 'dsari.yaml'), yaml('0 0 2 1 * 0'));
    got = nexts(await jobs());
    expect(got['yearly']).toMatch(/^\d{4}-01-02T00:00:00\.\d{6}\+00:00$/);
    expect(got['midsummer']).toBe('PLANTED');
  });

  it('are not used from a broken file, nor with DSARI_CONFIG_CACHE=off', async () => {
    const computed = nexts(await jobs({ DSARI_CONFIG_CACHE: 'off' }));
    await jobs();
    const file = nextFile() as string;
    for (const text of ['not json', '{"format": 1}', '[1,2]', JSON.stringify({ format: 1, build: 'x', node: 'y', jobs: {} })]) {
      writeFileSync(file, text);
      expect(nexts(await jobs())).toEqual(computed);
    }
    const data = JSON.parse(readFileSync(file, 'utf8')) as { jobs: Record<string, unknown[]> };
    for (const e of Object.values(data.jobs)) e[4] = 'PLANTED';
    writeFileSync(file, JSON.stringify({ ...data, jobs: { ...data.jobs, toString: 'x', yearly: [1, 2, 3] } }));
    expect(nexts(await jobs())['yearly']).toBe(computed['yearly']);
    expect(nexts(await jobs({ DSARI_CONFIG_CACHE: 'off' }))['midsummer']).toBe(computed['midsummer']);
  });
});
