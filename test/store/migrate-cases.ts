/**
 * `dsari migrate` into and out of a database server, through the built CLI. Registered by the
 * server's own test file (so the outage tests there never overlap).
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { SqliteStore } from '../../src/store/sqlite.js';
import { makeTempDir, runCli } from '../helpers/index.js';

export interface MigrateTarget {
  kind: string;
  /** The --to/--from argument for the file's test database. */
  spec: string;
  /** [rows in runs, rows in runs_running]. */
  count(): Promise<[number, number]>;
  /** Empties the test database's tables (what earlier tests left). */
  clear(): Promise<void>;
}

/** A SQLite file as the original would have it, with `n` finished runs and 3 running ones. */
export function makeSqliteSource(file: string, n: number): { firstId: string } {
  const s = new Database(file);
  s.exec(`CREATE TABLE runs (job_name text, run_id text, schedule_time real, start_time real, stop_time real,
      exit_code integer, trigger_type text, trigger_data text, run_data text);
    CREATE TABLE runs_running (job_name text, run_id text, schedule_time real, start_time real,
      trigger_type text, trigger_data text, run_data text);`);
  const ins = s.prepare('INSERT INTO runs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)');
  const firstId = randomUUID();
  s.transaction(() => {
    for (let i = 0; i < n; i++) {
      const t = 1_600_000_000 + i * 60 + 0.123456;
      ins.run(`job${i % 20}`, i === 0 ? firstId : randomUUID(), t, t + 0.5, t + 30.25, i % 7 === 0 ? 1 : 0, 'schedule', '{}', `{"pid": ${i}}`);
    }
    const run = s.prepare('INSERT INTO runs_running VALUES (?, ?, ?, ?, ?, ?, ?)');
    for (let i = 0; i < 3; i++) run.run('job-live', randomUUID(), 1_700_000_000 + i, 1_700_000_000.5 + i, 'file', '{"type": "manual"}', '{}');
  })();
  s.close();
  return { firstId };
}

export function migrateTests(target: MigrateTarget, n: number, { andBack }: { andBack: boolean }): void {
  describe(`${target.kind}: dsari migrate`, () => {
    const tmp = makeTempDir('dsari-store-migrate-');
    afterAll(() => tmp.cleanup());

    it(`copies ${n} finished and 3 running runs from SQLite; a second run changes nothing${andBack ? '; and back to SQLite' : ''}`, async () => {
      await target.clear();
      const src = join(tmp.path, 'src.sqlite3');
      const { firstId } = makeSqliteSource(src, n);
      const first = await runCli('dsari', ['migrate', '--from', src, '--to', target.spec], { timeoutMs: 240_000 });
      expect(first.stderr).toBe('');
      expect(first.code).toBe(0);
      expect(first.stdout).toMatch(new RegExp(`^Copied ${n} finished runs \\(0 already there\\) and 3 running runs \\(0 already there\\) from ${src.replace(/[.]/g, '\\.')} to `));
            expect(await target.count()).toEqual([n, 3]);

      const second = await runCli('dsari', ['migrate', '--from', src, '--to', target.spec], { timeoutMs: 240_000 });
      expect(second.code).toBe(0);
      expect(second.stdout).toMatch(new RegExp(`^Copied 0 finished runs \\(${n} already there\\) and 0 running runs \\(3 already there\\)`));
      expect(await target.count()).toEqual([n, 3]);
      if (!andBack) return;

      const back = join(tmp.path, 'back.sqlite3');
      const third = await runCli('dsari', ['migrate', '--from', target.spec, '--to', back], { timeoutMs: 240_000 });
      expect(third.code, third.stderr).toBe(0);
      expect(third.stdout).toMatch(new RegExp(`^Copied ${n} finished runs \\(0 already there\\) and 3 running runs`));
      const a = new SqliteStore(src);
      const b = new SqliteStore(back);
      await a.open();
      await b.open();
      try {
        expect(await b.getRun(firstId)).toEqual(await a.getRun(firstId));
        expect(await b.listRuns({ limit: 50, orderBy: 'stop_time' })).toEqual(await a.listRuns({ limit: 50, orderBy: 'stop_time' }));
        expect(await b.jobSummaries()).toEqual(await a.jobSummaries());
      } finally {
        await a.close();
        await b.close();
      }
    }, 300_000);
  });
}
