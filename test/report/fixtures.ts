/**
 * Fixtures for report tests: a SQLite file with the ORIGINAL dsari's exact schema and rows as
 * it writes them, a configuration directory for the CLI, and a Config object for unit tests.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import Database from 'better-sqlite3';
import type { Config, JobConfig } from '../../src/config/types.js';
import type { RunQuery, RunStore } from '../../src/store/types.js';

/** The original's CREATE TABLE statements (dsari/database.py, SQLite3Database). */
export const ORIGINAL_SCHEMA = `
CREATE TABLE runs (job_name text, run_id text, schedule_time real, start_time real, stop_time real, exit_code integer, trigger_type text, trigger_data text, run_data text);
CREATE TABLE runs_running (job_name text, run_id text, schedule_time real, start_time real, trigger_type text, trigger_data text, run_data text);
`;

export interface FixtureRun {
  job: string;
  id: string;
  schedule?: number;
  start: number;
  stop: number;
  exit?: number;
  triggerType?: string;
  triggerData?: Record<string, unknown>;
  runData?: Record<string, unknown>;
  /** Written to RUN_DIR/output.txt (string, or raw bytes). */
  output?: string | Buffer;
  /** Write the output gzip-compressed as output.txt.gz. */
  gzipOutput?: boolean;
}

/** Creates DATA_DIR/dsari.sqlite3 with the original's schema (if missing) and inserts runs. */
export function writeRuns(dataDir: string, runs: readonly FixtureRun[]): void {
  mkdirSync(dataDir, { recursive: true });
  const db = new Database(join(dataDir, 'dsari.sqlite3'));
  try {
    const exists = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'runs'").get();
    if (exists === undefined) db.exec(ORIGINAL_SCHEMA);
    const insert = db.prepare('INSERT INTO runs (job_name, run_id, schedule_time, start_time, stop_time, exit_code, trigger_type, trigger_data, run_data) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)');
    db.transaction(() => {
      for (const r of runs) {
        insert.run(r.job, r.id, r.schedule ?? r.start, r.start, r.stop, r.exit ?? 0, r.triggerType ?? 'schedule', JSON.stringify(r.triggerData ?? {}), JSON.stringify(r.runData ?? {}));
      }
    })();
  } finally {
    db.close();
  }
  for (const r of runs) {
    if (r.output === undefined) continue;
    const dir = join(dataDir, 'runs', r.job, r.id);
    mkdirSync(dir, { recursive: true });
    const bytes = typeof r.output === 'string' ? Buffer.from(r.output, 'utf8') : r.output;
    if (r.gzipOutput) writeFileSync(join(dir, 'output.txt.gz'), gzipSync(bytes));
    else writeFileSync(join(dir, 'output.txt'), bytes);
  }
}

/** A job config with the defaults of SPEC §3 (shared builder in test/helpers). */
export { jobConfig as job } from '../helpers/index.js';

/** A Config for unit tests of the renderer. */
export function config(dataDir: string, jobs: readonly JobConfig[], overrides: Partial<Config> = {}): Config {
  return {
    configDir: join(dataDir, 'etc'),
    configD: join(dataDir, 'etc', 'config.d'),
    dataDir,
    database: { type: 'sqlite3', file: join(dataDir, 'dsari.sqlite3') },
    environment: {},
    shutdownKillRuns: false,
    shutdownKillGrace: null,
    templateDir: null,
    reportHtmlGz: false,
    reportRunOutputStart: 0,
    reportRunOutputEnd: 0,
    jobs: new Map(jobs.map((j) => [j.name, j])),
    concurrencyGroups: new Map(),
    raw: {},
    warnings: [],
    files: [],
    ...overrides,
  };
}

/** A run id that looks like the original's (UUID v4 text) and sorts by `n`. */
export function runId(n: number): string {
  const hex = n.toString(16).padStart(12, '0');
  return `00000000-0000-4000-8000-${hex}`;
}

/** Wraps a store so that tests can see which queries the renderer made. */
export function recordingStore(store: RunStore): { store: RunStore; queries: Array<{ method: string; query?: RunQuery }> } {
  const queries: Array<{ method: string; query?: RunQuery }> = [];
  const wrapped = new Proxy(store, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        if (prop === 'listRuns' || prop === 'jobSummaries') {
          queries.push({ method: String(prop), ...(args[0] === undefined ? {} : { query: args[0] as RunQuery }) });
        }
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { store: wrapped, queries };
}
