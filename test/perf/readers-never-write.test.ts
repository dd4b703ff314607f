/**
 * Readers never write the database (issue 15): dsari-info, dsari-render and the exporter leave a
 * database written by the original byte for byte as it was (no indexes, no tables, no journal
 * mode change), still read it, and say once, on a large one, that `dsari migrate` would make
 * them faster. The in-place upgrade then adds the indexes, and the hint is gone.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/index.js';
import { addOriginalRuns, type OriginalRun } from '../info/original-db.js';
import { makeInfoFixture, type InfoFixture } from '../info/setup.js';

const digest = (file: string): string => createHash('sha256').update(readFileSync(file)).digest('hex');
const schema = (file: string): string[] => {
  const db = new Database(file, { readonly: true });
  try {
    return (db.prepare('SELECT type, name FROM sqlite_master ORDER BY name').all() as { type: string; name: string }[]).map((r) => `${r.type} ${r.name}`);
  } finally {
    db.close();
  }
};

describe('readers on a database written by the original', () => {
  let fx: InfoFixture;
  beforeEach(() => {
    fx = makeInfoFixture();
  });
  afterEach(() => fx.cleanup());

  it('dsari-info, dsari-render and the exporter read it and leave the file as it was', async () => {
    const before = digest(fx.dbFile);
    const tables = schema(fx.dbFile);
    const list = await runCli('dsari-info', fx.args('run', 'list', '--format', 'json'));
    expect(list.code).toBe(0);
    expect(list.stderr).toBe('');
    expect(Object.keys(JSON.parse(list.stdout) as object)).toHaveLength(4);
    const jobs = await runCli('dsari-info', fx.args('job', 'list', '--format', 'json'));
    expect(jobs.code).toBe(0);
    const render = await runCli('dsari-render', fx.args());
    expect(render.code).toBe(0);
    const exporter = await runCli('dsari-prometheus-exporter', fx.args('--dump'));
    expect(exporter.code).toBe(0);
    expect(exporter.stdout).toContain('backup');
    expect(digest(fx.dbFile)).toBe(before);
    expect(schema(fx.dbFile)).toEqual(tables);
    expect(readdirSync(fx.dataDir).filter((f) => f.startsWith('dsari.sqlite3'))).toEqual(['dsari.sqlite3']);
  });

  it('a large one: one hint per command naming dsari migrate; after the in-place upgrade, none', async () => {
    const runs: OriginalRun[] = Array.from({ length: 10_000 }, (_, i) => ({
      job: 'backup',
      id: `cccccccc-0000-4000-8000-${String(i).padStart(12, '0')}`,
      schedule: 1_600_000_000 + i * 60,
      start: 1_600_000_001 + i * 60,
      stop: 1_600_000_010 + i * 60,
      exit: i % 7 === 0 ? 1 : 0,
    }));
    addOriginalRuns(fx.dbFile, runs);
    const before = digest(fx.dbFile);
    const list = await runCli('dsari-info', fx.args('run', 'list', '--job', 'backup', '--format', 'tabular'));
    expect(list.code).toBe(0);
    expect(list.stdout.trim().split('\n')).toHaveLength(10_002);
    const hints = list.stderr.trim().split('\n');
    expect(hints).toHaveLength(1);
    expect(hints[0]).toContain(fx.dbFile);
    expect(hints[0]).toContain("'dsari migrate'");
    expect(digest(fx.dbFile)).toBe(before);

    const up = await runCli('dsari', ['migrate', ...fx.args()]);
    expect(up.code).toBe(0);
    expect(schema(fx.dbFile)).toContain('index dsari_runs_job_start');
    const again = await runCli('dsari-info', fx.args('run', 'list', '--job', 'backup', '--format', 'tabular'));
    expect(again.code).toBe(0);
    expect(again.stderr).toBe('');
    expect(again.stdout).toBe(list.stdout);
  });

  it('no database file yet: readers list nothing and do not create it', async () => {
    rmSync(fx.dbFile);
    const list = await runCli('dsari-info', fx.args('run', 'list', '--format', 'json'));
    expect(list.stderr).toBe('');
    expect(list.code).toBe(0);
    expect(JSON.parse(list.stdout)).toEqual({});
    const exporter = await runCli('dsari-prometheus-exporter', fx.args('--dump'));
    expect(exporter.code).toBe(0);
    expect(existsSync(fx.dbFile)).toBe(false);
  });
});
