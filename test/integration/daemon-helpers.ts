/**
 * Helpers for the daemon's integration tests: a config + data directory, the BUILT daemon
 * started on it, and the SQLite database and files read back as a user would.
 */
import Database from 'better-sqlite3';
import { existsSync, mkdirSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { killLeftovers, killProcessGroups, makeTempDir, type ManagedProcess, startProcess, waitFor } from '../helpers/index.js';

export interface Row {
  job_name: string;
  run_id: string;
  schedule_time: number;
  start_time: number;
  stop_time: number | null;
  exit_code: number | null;
  trigger_type: string;
  trigger_data: string;
  run_data: string;
}

export class Site {
  readonly root: string;
  readonly etc: string;
  readonly data: string;
  readonly cleanup: () => void;

  constructor(config: string) {
    const tmp = makeTempDir('dsari-daemon-it-');
    this.root = tmp.path;
    this.cleanup = tmp.cleanup;
    this.etc = join(this.root, 'etc');
    this.data = join(this.root, 'var');
    mkdirSync(this.etc, { recursive: true });
    this.writeConfig(config);
  }

  /** Writes dsari.yaml; `data_dir` is added pointing at this site's data directory. */
  writeConfig(config: string): void {
    writeFileSync(join(this.etc, 'dsari.yaml'), `data_dir: ${JSON.stringify(this.data)}\n${config}`);
  }

  /** Starts `dsari-daemon -c ETC …`, or with `asSubcommand` `dsari daemon -c ETC …`. */
  start(extraArgs: string[] = [], env: Record<string, string> = {}, asSubcommand = false): ManagedProcess {
    const [bin, first] = asSubcommand ? ['dsari', ['daemon']] : ['dsari-daemon', []];
    return startProcess(bin, [...first, '-c', this.etc, ...extraArgs], { env: { TZ: 'UTC', ...env } });
  }

  /** Starts the daemon and waits for "Scheduler running". */
  async startReady(extraArgs: string[] = []): Promise<ManagedProcess> {
    const d = this.start(extraArgs);
    await d.waitForOutput('Scheduler running', 30_000);
    return d;
  }

  /** Every row of runs (finished) or runs_running. */
  rows(table: 'runs' | 'runs_running' = 'runs'): Row[] {
    const file = join(this.data, 'dsari.sqlite3');
    if (!existsSync(file)) return [];
    const db = new Database(file, { readonly: true, fileMustExist: true });
    try {
      return db.prepare(`SELECT * FROM ${table} ORDER BY start_time`).all() as Row[];
    } catch (err) {
      if (/no such table/.test(String(err))) return [];
      throw err;
    } finally {
      db.close();
    }
  }

  async waitRows(n: number, pred: (r: Row) => boolean = () => true, timeoutMs = 30_000): Promise<Row[]> {
    return waitFor(`${n} finished run(s)`, () => {
      const rows = this.rows().filter(pred);
      return rows.length >= n ? rows : false;
    }, { timeoutMs });
  }

  /** Waits until exactly `n` runs are in runs_running, each with its process recorded (pid and start time). */
  async waitRunning(n: number, timeoutMs = 30_000): Promise<Row[]> {
    return waitFor(`${n} running row(s) with their process`, () => {
      const rows = this.rows('runs_running');
      return rows.length === n && rows.every((r) => json(r.run_data)['process_start_time'] !== undefined) ? rows : false;
    }, { timeoutMs });
  }

  /** Writes a trigger the documented way: temporary name, then rename into place. */
  trigger(job: string, content: unknown, name = 'trigger.json'): string {
    const dir = join(this.data, 'trigger', job);
    mkdirSync(dir, { recursive: true });
    const tmp = join(dir, `.tmp-${Math.random().toString(36).slice(2)}`);
    writeFileSync(tmp, typeof content === 'string' ? content : JSON.stringify(content));
    const file = join(dir, name);
    renameSync(tmp, file);
    return file;
  }

  rejected(job: string): string[] {
    const dir = join(this.data, 'trigger', job, 'rejected');
    return existsSync(dir) ? readdirSync(dir).sort() : [];
  }

  runDir(job: string, runId: string): string {
    return join(this.data, 'runs', job, runId);
  }
}

export function json<T = Record<string, unknown>>(text: string): T {
  return JSON.parse(text) as T;
}

/**
 * The end of a test that ran the built daemon: no process it started may be left (asserted), the
 * process groups of its runs are killed, and the site is removed. The caller forgets its site.
 */
export async function endSite(site: Site | null, groups: number[]): Promise<void> {
  expect(await killLeftovers()).toBe(0);
  killProcessGroups(groups);
  site?.cleanup();
}
