// Scheduling while the daemon's background retention removes 100,000 runs (SPEC-BEYOND §12.7:
// never delaying a start or a record by more than 10 ms): scheduled time → start of 10 jobs
// firing every second (p99) and trigger → process start (p95), on an idle daemon and on the
// same daemon while its first retention pass removes 100,000 of 100,010 runs with their
// directories. The built dist/, real processes, SQLite. Run: npm run bench -- retention-lag
import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';

const DAEMON = new URL('../dist/cli/dsari-daemon.js', import.meta.url).pathname;
const ROOT = new URL('../.tmp/bench-retention-lag/', import.meta.url).pathname;
const OLD_RUNS = 100_010;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const pct = (xs, q) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * (s.length - 1) + 0.5))];
};

rmSync(ROOT, { recursive: true, force: true });
const etc = join(ROOT, 'etc');
const data = join(ROOT, 'var');
mkdirSync(etc, { recursive: true });
mkdirSync(data, { recursive: true });
const ticks = Array.from({ length: 10 }, (_, i) => `  tick${i}: {command: /bin/true, schedule: "* * * * * *"}\n`).join('');
const config = (retention) => `data_dir: ${JSON.stringify(data)}\n${retention}jobs:\n${ticks}  t: {command: /bin/true}\n  old: {command: /bin/true}\n`;

{
  const db = new Database(join(data, 'dsari.sqlite3'));
  db.pragma('journal_mode = WAL');
  db.exec('CREATE TABLE runs (job_name text, run_id text, schedule_time real, start_time real, stop_time real, exit_code integer, trigger_type text, trigger_data text, run_data text)');
  db.exec('CREATE TABLE runs_running (job_name text, run_id text, schedule_time real, start_time real, trigger_type text, trigger_data text, run_data text)');
  const ins = db.prepare('INSERT INTO runs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)');
  const t0 = 1_600_000_000;
  db.transaction(() => {
    for (let i = 0; i < OLD_RUNS; i++) {
      const id = `00000000-0000-4000-8000-${i.toString(16).padStart(12, '0')}`;
      ins.run('old', id, t0 + i, t0 + i, t0 + i + 1, 0, 'schedule', '{}', '{}');
      const dir = join(data, 'runs', 'old', id);
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'output.txt'), 'x\n');
    }
  })();
  db.close();
}

function startDaemon() {
  const d = { stderr: '' };
  d.child = spawn(process.execPath, [DAEMON, '-c', etc], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, TZ: 'UTC' } });
  d.child.stderr.setEncoding('utf8').on('data', (s) => (d.stderr += s));
  d.exited = new Promise((r) => d.child.on('exit', r));
  return d;
}
async function until(what, fn, ms = 120_000) {
  const end = Date.now() + ms;
  while (!fn()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(2);
  }
}
const startsOfT = (d) => (d.stderr.match(/\[t [0-9a-f-]+\] Running PID/g) ?? []).length;
function trigger() {
  const dir = join(data, 'trigger', 't');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, '.tmp'), '{}');
  renameSync(join(dir, '.tmp'), join(dir, 'trigger.json'));
}
function tickLatencies(from, to) {
  const db = new Database(join(data, 'dsari.sqlite3'), { readonly: true });
  try {
    return db.prepare("SELECT (start_time - schedule_time) * 1000 AS ms FROM runs WHERE job_name LIKE 'tick%' AND start_time >= ? AND start_time < ?").all(from, to).map((r) => r.ms);
  } finally {
    db.close();
  }
}
/** Triggers `t` every ~300 ms for `seconds`; returns trigger → start latencies. */
async function measure(d, seconds) {
  const lat = [];
  const end = Date.now() + seconds * 1000;
  while (Date.now() < end) {
    const n = startsOfT(d);
    const t = performance.now();
    trigger();
    await until('t started', () => startsOfT(d) > n);
    lat.push(performance.now() - t);
    await sleep(300);
  }
  return lat;
}
const oldDirs = () => readdirSync(join(data, 'runs', 'old')).length;

console.log(`load average ${os.loadavg()[0].toFixed(1)} on ${os.cpus().length} cores`);
// Idle: no retention configured.
writeFileSync(join(etc, 'dsari.yaml'), config(''));
let d = startDaemon();
await until('ready', () => d.stderr.includes('Scheduler running'));
await sleep(2000);
let from = Date.now() / 1000;
const idleTrig = await measure(d, 20);
const idleTick = tickLatencies(from, Date.now() / 1000);
d.child.kill('SIGTERM');
await d.exited;

// Busy: keep_runs 10 for every job; the first pass starts 10 s after start-up.
writeFileSync(join(etc, 'dsari.yaml'), config('retention: {keep_runs: 10}\n'));
d = startDaemon();
await until('ready', () => d.stderr.includes('Scheduler running'));
await until('retention under way', () => oldDirs() < OLD_RUNS - 100, 60_000);
const passStart = performance.now();
from = Date.now() / 1000;
const busyTrig = await measure(d, 20);
const busyTick = tickLatencies(from, Date.now() / 1000);
const removedDuring = OLD_RUNS - oldDirs();
await until('pass done', () => d.stderr.includes('Retention: removed'), 900_000);
const passSeconds = (performance.now() - passStart) / 1000;
console.log(d.stderr.split('\n').find((l) => l.includes('Retention: removed')));
d.child.kill('SIGTERM');
await d.exited;

const f = (x) => x.toFixed(1);
console.log(`idle daemon: scheduled → start p99 ${f(pct(idleTick, 0.99))} ms (${idleTick.length} runs); trigger → start p95 ${f(pct(idleTrig, 0.95))} ms (${idleTrig.length} triggers)`);
console.log(`during retention (${removedDuring} runs removed in the 20 s measured): scheduled → start p99 ${f(pct(busyTick, 0.99))} ms (${busyTick.length} runs); trigger → start p95 ${f(pct(busyTrig, 0.95))} ms (${busyTrig.length} triggers)`);
console.log(`differences: p99 ${f(pct(busyTick, 0.99) - pct(idleTick, 0.99))} ms, p95 ${f(pct(busyTrig, 0.95) - pct(idleTrig, 0.95))} ms (target ≤ 10 ms each); whole pass ≈ ${f(passSeconds + 20)} s for 100,000 runs`);
rmSync(ROOT, { recursive: true, force: true });
