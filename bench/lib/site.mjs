// A config + data directory and the built daemon started on it, for benchmarks: wait for log
// lines, read the SQLite runs back, stop. Directories are removed by the caller at the end.
import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
export const DAEMON = join(root, 'dist', 'cli', 'dsari-daemon.js');
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
export const pct = (xs, q) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * (s.length - 1) + 0.5))];
};
export const median = (xs) => pct(xs, 0.5);
export const f = (x, d = 1) => x.toFixed(d);

export class BenchSite {
  constructor(name, yaml) {
    this.dir = mkdtempSync(join(tmpdir(), `dsari-bench-${name}-`));
    this.etc = join(this.dir, 'etc');
    this.data = join(this.dir, 'var');
    mkdirSync(this.etc);
    writeFileSync(join(this.etc, 'dsari.yaml'), `data_dir: ${this.data}\n${yaml}`);
    this.stderr = '';
  }
  /** Starts the daemon; resolves with the milliseconds from spawn to "Scheduler running". */
  async start() {
    const t0 = performance.now();
    this.child = spawn(process.execPath, [DAEMON, '-c', this.etc], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, TZ: 'UTC' } });
    this.child.stderr.setEncoding('utf8').on('data', (d) => (this.stderr += d));
    this.exited = new Promise((r) => this.child.on('exit', r));
    while (!this.stderr.includes('Scheduler running')) {
      if (this.child.exitCode !== null) throw new Error(`daemon exited:\n${this.stderr}`);
      await sleep(2);
    }
    return performance.now() - t0;
  }
  rss() {
    return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${this.child.pid}/status`, 'utf8'))[1]) / 1024;
  }
  rows() {
    const db = new Database(join(this.data, 'dsari.sqlite3'), { readonly: true });
    try {
      return db.prepare('SELECT * FROM runs').all();
    } finally {
      db.close();
    }
  }
  async stop() {
    this.child.kill('SIGTERM');
    await this.exited;
  }
  remove() {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
