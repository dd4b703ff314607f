// Daemon figures (the built dist/, real processes, SQLite): trigger → process start latency,
// scheduled time → start latency for 10 jobs firing every second, 300 triggered runs vs the bare
// spawn+reap rate of /bin/true (with the native process starter and with child_process), and
// 10,000 daily jobs (ready time, memory, idle CPU).
// Run: npm run bench -- daemon
//
// Nothing is deleted until the end: on ext4 without a journal (these VMs' disks) creating a file
// or directory skips every inode deleted in the last 60 s (up to 360 s), so a benchmark that
// cleans up as it goes makes its own next step's file creations slower (BENCHMARKS.md, Daemon).
import Database from 'better-sqlite3';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { nativeSpawn } from '../dist/executor/native.js';
import { WRAPPER_SCRIPT } from '../dist/executor/status.js';
import { Logger } from '../dist/log.js';
import { createStore } from '../dist/store/index.js';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const DAEMON = join(root, 'dist', 'cli', 'dsari-daemon.js');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const pct = (xs, q) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * (s.length - 1) + 0.5))];
};
const f = (x, d = 1) => x.toFixed(d);

/** Directories removed at the very end (see the top of this file). */
const leftBehind = [];

class Site {
  constructor(name, yaml, base = tmpdir()) {
    this.dir = mkdtempSync(join(base, `dsari-bench-daemon-${name}-`));
    this.etc = join(this.dir, 'etc');
    this.data = join(this.dir, 'var');
    mkdirSync(this.etc);
    writeFileSync(join(this.etc, 'dsari.yaml'), `data_dir: ${this.data}\n${yaml}`);
    this.stderr = '';
    this.waiters = [];
  }
  start(env = {}) {
    this.t0 = performance.now();
    this.child = spawn(process.execPath, [DAEMON, '-c', this.etc], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, TZ: 'UTC', ...env } });
    this.child.stderr.setEncoding('utf8').on('data', (d) => {
      this.stderr += d;
      for (const w of [...this.waiters]) w();
    });
    this.exited = new Promise((r) => this.child.on('exit', r));
    this.exited.then(() => {
      for (const w of [...this.waiters]) w(true);
    });
    return this.waitFor('Scheduler running');
  }
  /** Resolves with performance.now() when stderr contains `text` `count` times. */
  waitFor(text, count = 1) {
    return new Promise((resolve, reject) => {
      const check = (gone = false) => {
        if (this.stderr.split(text).length - 1 >= count) {
          this.waiters = this.waiters.filter((w) => w !== check);
          resolve(performance.now());
        } else if (gone) reject(new Error(`daemon exited:\n${this.stderr}`));
      };
      this.waiters.push(check);
      check();
    });
  }
  trigger(job, content = '{}') {
    const dir = join(this.data, 'trigger', job);
    mkdirSync(dir, { recursive: true });
    const tmp = join(dir, '.tmp');
    writeFileSync(tmp, content);
    renameSync(tmp, join(dir, 'trigger.json'));
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
    leftBehind.push(this.dir);
  }
}

/** Milliseconds for `n` bare spawn+reap of /bin/true from this process, all at once. */
async function bareSpawnMs(n) {
  const t = performance.now();
  await Promise.all(Array.from({ length: n }, () => new Promise((r) => spawn('/bin/true', [], { stdio: 'ignore' }).on('exit', r))));
  return performance.now() - t;
}

/**
 * Starts a daemon with `n` jobs of /bin/true (`dbYaml` picks the database), triggers them all
 * at once and waits until `recorded()` says all are in `runs`. Prints the rate beside the bare
 * spawn+reap rate measured just before.
 */
async function burst({ n, label, dbYaml = '', base = tmpdir(), recorded, env = {} }) {
  const bareMs = await bareSpawnMs(n);
  const names = Array.from({ length: n }, (_, i) => `j${i}`);
  const site = new Site('burst', `${dbYaml}job_groups:\n  g:\n    job_names: [${names.join(', ')}]\n    command: /bin/true\n`, base);
  await site.start(env);
  const method = /Runs are started with (\S+)/.exec(site.stderr)?.[1] ?? '?';
  const count = await recorded(site);
  const t = performance.now();
  for (const name of names) site.trigger(name);
  while ((await count.read()) < n) await sleep(10);
  const daemonMs = performance.now() - t;
  await count.close?.();
  const bareRate = n / (bareMs / 1000);
  const daemonRate = n / (daemonMs / 1000);
  console.log(
    `${n} triggered runs of /bin/true, all recorded ${label}, started with ${method}: ${f(daemonMs, 0)} ms = ${f(daemonRate, 0)} runs/s; bare spawn+reap in Node: ${f(bareMs, 0)} ms = ${f(bareRate, 0)} /s; ratio ${f(daemonRate / bareRate, 2)} (target ≥ 0.5)`,
  );
  await site.stop();
  return daemonRate / bareRate;
}

// 1. Trigger file renamed into place → process started (the "Running PID" line), no signal.
{
  const site = new Site('trigger', 'jobs:\n  t:\n    command: /bin/true\n');
  await site.start();
  const lat = [];
  const N = 100;
  for (let i = 1; i <= N; i++) {
    const t = performance.now();
    site.trigger('t');
    const started = await site.waitFor('Running PID', i);
    lat.push(started - t);
    await site.waitFor('Finished with status', i);
    // Measure an idle daemon: let the previous run's record be written first.
    while (site.rows().length < i) await sleep(2);
  }
  console.log(`trigger renamed into place → process started, ${N} triggers: median ${f(pct(lat, 0.5))} ms, p95 ${f(pct(lat, 0.95))} ms, max ${f(Math.max(...lat))} ms (target median < 20, p95 < 50)`);
  await site.stop();
}

// 2. Scheduled time → start, 10 jobs firing every second, ~12 s.
{
  const jobs = Array.from({ length: 10 }, (_, i) => `  tick${i}:\n    command: /bin/true\n    schedule: "* * * * * *"\n`).join('');
  const site = new Site('tick', `jobs:\n${jobs}`);
  await site.start();
  await sleep(12_000);
  const rows = site.rows();
  const lat = rows.map((r) => (r.start_time - r.schedule_time) * 1000);
  console.log(`scheduled time → start, 10 jobs every second, ${rows.length} runs: median ${f(pct(lat, 0.5), 2)} ms, p99 ${f(pct(lat, 0.99), 2)} ms, max ${f(Math.max(...lat), 2)} ms (target p99 < 20)`);
  await site.stop();
}

// 3. 300 jobs triggered at once (each /bin/true), all recorded, vs bare spawn+reap in Node: on
// the disk and in /dev/shm (no disk: what the file system and the database's durable commits
// cost), then on the disk with child_process instead of the native starter.
/** Milliseconds per directory created in `base` now (kept until the end, see the top). */
function mkdirMs(base) {
  const dir = mkdtempSync(join(base, 'dsari-bench-probe-'));
  leftBehind.push(dir);
  const t = performance.now();
  for (let i = 0; i < 50; i++) mkdirSync(join(dir, `d${i}`));
  return (performance.now() - t) / 50;
}
/** Waits (up to 6 min) until creating a directory in `base` is cheap again; prints what it saw. */
async function settle(base) {
  const t = performance.now();
  let ms = mkdirMs(base);
  const first = ms;
  while (ms > 0.2 && performance.now() - t < 360_000) {
    await sleep(15_000);
    ms = mkdirMs(base);
  }
  console.log(`file system at ${base}: mkdir ${f(first, 2)} ms → ${f(ms, 2)} ms after waiting ${f((performance.now() - t) / 1000, 0)} s for recently deleted inodes to age out`);
}
const rowsOf = async (site) => ({ read: async () => site.rows().length });
const median = (xs) => pct(xs, 0.5);
const onDisk = [];
for (let k = 0; k < 3; k++) {
  await settle(tmpdir());
  onDisk.push(await burst({ n: 300, label: `(data in ${tmpdir()})`, recorded: rowsOf }));
}
const inMemory = [];
for (let k = 0; k < 3; k++) inMemory.push(await burst({ n: 300, label: '(data in /dev/shm)', base: '/dev/shm', recorded: rowsOf }));
await settle(tmpdir());
const fallback = await burst({ n: 300, label: `(data in ${tmpdir()})`, recorded: rowsOf, env: { DSARI_SPAWN: 'child_process' } });
console.log(`burst ratio, medians of 3: native starter, data on the disk ${f(median(onDisk), 2)}, in /dev/shm ${f(median(inMemory), 2)}; child_process on the disk ${f(fallback, 2)} (target ≥ 0.5)`);

// 3a. What the exit-status wrapper costs: 300 × (/bin/sh wrapper → /bin/true) started with no
// bookkeeping at all, from Node's child_process and from the native starter, vs bare /bin/true
// from child_process. With child_process the daemon cannot beat the first ratio.
{
  const N = 300;
  const dir = mkdtempSync(join(tmpdir(), 'dsari-bench-wrapper-'));
  leftBehind.push(dir);
  const native = nativeSpawn();
  const ratios = { child: [], native: [] };
  const wrapped = (i, k) => ['-c', WRAPPER_SCRIPT, 'dsari-run', join(dir, `status-${k}-${i}`), '/bin/true'];
  for (let k = 0; k < 3; k++) {
    const bareMs = await bareSpawnMs(N);
    let t = performance.now();
    await Promise.all(Array.from({ length: N }, (_, i) => new Promise((r) => spawn('/bin/sh', wrapped(i, k), { stdio: 'ignore', detached: true }).on('exit', r))));
    ratios.child.push(bareMs / (performance.now() - t));
    if (!native) continue;
    t = performance.now();
    await Promise.all(Array.from({ length: N }, (_, i) => new Promise((r) => native.spawn('/bin/sh', ['/bin/sh', ...wrapped(i, `n${k}`)], [], dir, [], r))));
    ratios.native.push(bareMs / (performance.now() - t));
  }
  console.log(`wrapper: ${N} /bin/true under the exit-status wrapper, no bookkeeping, vs bare from child_process: ratio ${ratios.child.map((x) => f(x, 2)).join(', ')} from child_process; ${native ? ratios.native.map((x) => f(x, 2)).join(', ') : 'n/a (not built)'} from the native starter`);
}

// 3b. The same burst with the records in PostgreSQL and MariaDB (a fresh database each, on the
// local servers; skipped with a message where a server does not answer).
const backends = [
  {
    name: 'PostgreSQL',
    async create(db) {
      const admin = new pg.Client({ connectionString: 'postgresql://postgres@127.0.0.1:5432/test' });
      await admin.connect();
      await admin.query(`CREATE DATABASE ${db}`);
      return {
        yaml: `database:\n  type: postgresql\n  dsn: "postgresql://postgres@127.0.0.1:5432/${db}"\n`,
        store: { type: 'postgresql', dsn: `postgresql://postgres@127.0.0.1:5432/${db}` },
        drop: async () => {
          await admin.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
          await admin.end();
        },
      };
    },
  },
  {
    name: 'MariaDB',
    async create(db) {
      const admin = await mysql.createConnection({ host: '127.0.0.1', port: 3306, user: 'root', password: '' });
      await admin.query(`CREATE DATABASE ${db}`);
      return {
        yaml: `database:\n  type: mysql\n  connection: {host: 127.0.0.1, port: 3306, user: root, passwd: "", db: ${db}}\n`,
        store: { type: 'mysql', connection: { host: '127.0.0.1', port: 3306, user: 'root', passwd: '', db } },
        drop: async () => {
          await admin.query(`DROP DATABASE IF EXISTS ${db}`);
          await admin.end();
        },
      };
    },
  },
];
for (const backend of backends) {
  let target;
  try {
    target = await backend.create(`dsari_bench_${process.pid}`);
  } catch (err) {
    console.log(`300 triggered runs with ${backend.name}: SKIPPED, the server does not answer (${err.message})`);
    continue;
  }
  try {
    await burst({
      n: 300,
      label: `in ${backend.name}`,
      dbYaml: target.yaml,
      recorded: async () => {
        const store = createStore(target.store, { log: new Logger({ sink: { write: () => undefined } }), readOnly: true });
        await store.open();
        return { read: async () => (await store.listRuns({ includeRunning: false })).length, close: () => store.close() };
      },
    });
  } finally {
    await target.drop();
  }
}

// 4. 10,000 daily jobs: time to "Scheduler running", memory, CPU while idle.
{
  const N = 10_000;
  const jobs = Array.from({ length: N }, (_, i) => `  daily-${i}:\n    command: /bin/true\n    schedule: "@daily"\n`).join('');
  const site = new Site('daily', `jobs:\n${jobs}`);
  const ready = await site.start();
  const readyMs = ready - site.t0;
  const stat = () => {
    const fields = readFileSync(`/proc/${site.child.pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime + stime, clock ticks of 10 ms
  };
  await sleep(2000);
  const cpu0 = stat();
  const w0 = performance.now();
  await sleep(20_000);
  const cpu = ((stat() - cpu0) / ((performance.now() - w0) / 1000)) * 100;
  const rss = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${site.child.pid}/status`, 'utf8'))[1]) / 1024;
  console.log(`${N} daily jobs: ready (spawn → "Scheduler running") ${f(readyMs, 0)} ms, RSS ${f(rss, 0)} MB, idle CPU ${f(cpu, 2)} % over 20 s (targets < 2000 ms, < 150 MB, < 1 %)`);
  await site.stop();
}

for (const dir of leftBehind) rmSync(dir, { recursive: true, force: true });
