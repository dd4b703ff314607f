// Exporter figures with 1,000,000 finished runs over 50 jobs (SPEC §10 target: a scrape < 2 s,
// the process < 200 MB): a cold `--dump` (everything computed from nothing), the first scrape
// of a server, steady scrapes that refresh the finished-run metrics every time
// (--job-cache-time 0) while runs keep being added, and the server's peak RSS (VmHWM).
// Uses the built dist/. Run: npm run bench -- exporter
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { buildRunsFixture, BENCH_DIR } from './fixture-runs.mjs';

const DIST = new URL('../dist/cli/', import.meta.url).pathname;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ms = (x) => `${x.toFixed(0)} ms`;

let t = performance.now();
const fx = buildRunsFixture({ total: 1_000_000, jobs: 49, bigRuns: 20_000 });
console.log(`fixture: 1,000,000 runs, ${fx.jobNames.length} jobs (${ms(performance.now() - t)}; cached in .tmp/)`);
const configDir = join(BENCH_DIR, 'exporter-etc');
mkdirSync(configDir, { recursive: true });
writeFileSync(
  join(configDir, 'dsari.yaml'),
  `data_dir: ${JSON.stringify(fx.dataDir)}\njobs:\n${fx.jobNames.map((j) => `  ${j}:\n    command: ["true"]\n`).join('')}`,
);

// The first open of a database written by the original adds dsari's indexes, once.
t = performance.now();
const dump = spawnSync('/usr/bin/time', ['-f', '%M', process.execPath, join(DIST, 'dsari-prometheus-exporter.js'), '-c', configDir, '--dump'], { encoding: 'utf8', maxBuffer: 1 << 26 });
const firstDump = performance.now() - t;
if (dump.status !== 0) throw new Error(`--dump failed: ${dump.stderr}`);
const dumps = [];
let dumpRss = 0;
for (let i = 0; i < 3; i++) {
  t = performance.now();
  const r = spawnSync('/usr/bin/time', ['-f', '%M', process.execPath, join(DIST, 'dsari-prometheus-exporter.js'), '-c', configDir, '--dump'], { encoding: 'utf8', maxBuffer: 1 << 26 });
  dumps.push(performance.now() - t);
  dumpRss = Math.max(dumpRss, Number(r.stderr.trim().split('\n').pop()) / 1024);
}
console.log(`--dump (cold process, all quantiles from scratch): first ever ${ms(firstDump)} (includes adding indexes), then median ${ms(median(dumps))} of 3; peak RSS ${dumpRss.toFixed(0)} MB`);

const proc = spawn(process.execPath, [join(DIST, 'dsari-prometheus-exporter.js'), '-c', configDir, '--listen-address', '127.0.0.1', '--listen-port', '0', '--job-cache-time', '0'], { stdio: ['ignore', 'ignore', 'pipe'] });
let stderr = '';
proc.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
const port = await new Promise((resolve, reject) => {
  const timer = setInterval(() => {
    const m = /127\.0\.0\.1:(\d+)\//.exec(stderr);
    if (m) {
      clearInterval(timer);
      resolve(Number(m[1]));
    }
    if (proc.exitCode !== null) reject(new Error(stderr));
  }, 20);
});
const scrape = () =>
  new Promise((resolve, reject) => {
    const t0 = performance.now();
    request({ host: '127.0.0.1', port, path: '/metrics' }, (res) => {
      let n = 0;
      res.on('data', (d) => (n += d.length));
      res.on('end', () => (res.statusCode === 200 ? resolve({ ms: performance.now() - t0, bytes: n }) : reject(new Error(`status ${res.statusCode}`))));
    }).on('error', reject).end();
  });
const first = await scrape();
const db = new Database(fx.file);
db.pragma('busy_timeout = 10000');
const add = db.prepare("INSERT INTO runs VALUES (?, ?, ?, ?, ?, ?, 'schedule', '{}', '{}')");
let next = 0;
const steady = [];
for (let i = 0; i < 7; i++) {
  // 100 new runs per scrape interval, as a busy daemon would record them
  db.transaction(() => {
    for (let k = 0; k < 100; k++, next++) {
      const s = 2_000_000_000 + next;
      add.run(fx.jobNames[next % fx.jobNames.length], `22222222-0000-4000-8000-${String(next).padStart(12, '0')}`, s, s + 1, s + 5, 0);
    }
  })();
  steady.push((await scrape()).ms);
}
db.prepare("DELETE FROM runs WHERE run_id LIKE '22222222-%'").run();
db.close();
const hwm = Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${proc.pid}/status`, 'utf8'))?.[1]) / 1024;
proc.kill('SIGTERM');
console.log(`server: first scrape ${ms(first.ms)} (${first.bytes} bytes; waits for the start-up load), steady scrapes refreshing every time with 100 new runs each: median ${ms(median(steady))} of 7 (max ${ms(Math.max(...steady))}); peak RSS ${hwm.toFixed(0)} MB`);
