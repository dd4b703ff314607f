// The HTTP API and console of the built daemon (SPEC-BEYOND §13, issue "Web console and HTTP
// API"): with JOBS jobs and RUNS recorded runs (SQLite), the latency of GET /api/v1/jobs, the
// overview page and a run page; how soon output written by a run reaches an SSE follower; the
// schedule lag and trigger-to-start while 200 API requests/s and 100 live followers run; and the
// RSS an idle daemon gains with `http` configured. The load generator runs on the same machine.
//   BENCH_HTTP_JOBS=10000 BENCH_HTTP_RUNS=1000000 npm run bench -- http
import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import os from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { buildRunsFixture } from './fixture-runs.mjs';

const JOBS = Number(process.env.BENCH_HTTP_JOBS ?? 10_000);
const RUNS = Number(process.env.BENCH_HTTP_RUNS ?? 1_000_000);
const root = new URL('..', import.meta.url).pathname;
const DAEMON = join(root, 'dist', 'cli', 'dsari-daemon.js');
const work = join(root, '.tmp', 'bench-http');
const f = (x, d = 1) => x.toFixed(d);
const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
};
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function rssMb(pid) {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

const agent = new Agent({ keepAlive: true, maxSockets: 64 });
function get(base, path, headers = {}) {
  const url = new URL(path, base);
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const req = request({ host: url.hostname, port: url.port, path: url.pathname + url.search, agent, headers }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, ms: performance.now() - t0, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end();
  });
}
function post(base, path, body) {
  const url = new URL(path, base);
  const data = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, path: url.pathname, method: 'POST', agent, headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(data), Authorization: `Bearer ${TOKEN}` } }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (d) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode, body: text }));
    });
    req.on('error', reject);
    req.end(data);
  });
}

const TOKEN = 'dsari_benchbenchbenchbenchbenchbenchbench';
const sha = (await import('node:crypto')).createHash('sha256').update(TOKEN).digest('hex');

/** A site: 10,000 daily jobs named as the fixture's, plus the probe jobs. */
function site(name, withHttp, fixture) {
  const dir = join(work, name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'etc'), { recursive: true });
  mkdirSync(join(dir, 'var'), { recursive: true });
  if (fixture !== null) copyFileSync(fixture.file, join(dir, 'var', 'dsari.sqlite3'));
  let yaml = `data_dir: ${JSON.stringify(join(dir, 'var'))}\nshutdown_kill_runs: true\n`;
  if (withHttp) yaml += `http:\n  listen: "127.0.0.1:0"\n  tokens:\n    - {name: bench, sha256: "${sha}", role: operate}\n`;
  yaml += 'jobs:\n';
  const names = fixture?.jobNames ?? Array.from({ length: JOBS }, (_, i) => `job-${String(i).padStart(3, '0')}`);
  for (const n of names.slice(0, JOBS)) yaml += `  ${n}: {command: /bin/true, schedule: "H H * * *"}\n`;
  yaml += `  tick: {command: /bin/true, schedule: "* * * * * *"}\n`;
  yaml += `  instant: {command: /bin/true, concurrent_runs: true}\n`;
  yaml += `  writer: {command: [/bin/sh, -c, 'for i in $(seq 1 60); do echo "w $(date +%s%3N)"; sleep 0.05; done']}\n`;
  yaml += `  long: {command: [/bin/sh, -c, 'for i in $(seq 1 400); do echo "long $i"; sleep 0.1; done']}\n`;
  writeFileSync(join(dir, 'etc', 'dsari.yaml'), yaml);
  return dir;
}

async function startDaemon(dir, waitFor) {
  const child = spawn(process.execPath, [DAEMON, '-c', join(dir, 'etc')], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, TZ: 'UTC' } });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
  const t0 = Date.now();
  while (!waitFor.test(stderr)) {
    if (child.exitCode !== null) throw new Error(`daemon exited: ${stderr}`);
    if (Date.now() - t0 > 600_000) throw new Error(`daemon not ready: ${stderr.slice(-2000)}`);
    await sleep(100);
  }
  return { child, stderr: () => stderr, base: /listening on (http:\/\/[\d.:]+)/.exec(stderr)?.[1] };
}
async function stopDaemon(d) {
  if (d.child.exitCode !== null || d.child.signalCode !== null) return;
  const exited = new Promise((r) => d.child.once('exit', r));
  d.child.kill('SIGTERM');
  await exited;
}

console.log(`machine: ${os.cpus().length} × ${os.cpus()[0]?.model}, load average ${os.loadavg().map((x) => f(x, 2)).join(' ')}; ${JOBS} jobs, ${RUNS} runs`);
const tb = Date.now();
const fixture = buildRunsFixture({ total: RUNS, jobs: JOBS - 1, bigRuns: Math.min(20_000, RUNS / 50), running: 0 });
console.log(`fixture ready in ${f((Date.now() - tb) / 1000)} s`);

// RSS of an idle daemon without and with http (no history in the store: the daemon's own cost)
for (const withHttp of [false, true]) {
  const dir = site(withHttp ? 'rss-http' : 'rss-plain', withHttp, null);
  const d = await startDaemon(dir, withHttp ? /listening on/ : /Scheduler running/);
  await sleep(8000);
  const samples = [];
  for (let i = 0; i < 5; i++) {
    samples.push(rssMb(d.child.pid));
    await sleep(1000);
  }
  console.log(`idle RSS, ${JOBS} jobs, http ${withHttp ? 'on' : 'off'}: median ${f(pct(samples, 50))} MB`);
  await stopDaemon(d);
}

const dir = site('main', true, fixture);
const t0 = Date.now();
const d = await startDaemon(dir, /listening on/);
console.log(`daemon with ${RUNS} runs listening after ${f((Date.now() - t0) / 1000)} s`);
const base = d.base;
// wait until every job's history is loaded (the overview and /jobs show it)
for (;;) {
  const r = await get(base, '/api/v1/jobs');
  const jobs = JSON.parse(r.body).jobs;
  if (jobs.every((j) => j.history_loaded)) break;
  await sleep(1000);
}
console.log(`histories loaded after ${f((Date.now() - t0) / 1000)} s; RSS ${f(rssMb(d.child.pid))} MB`);

const db = new Database(join(dir, 'var', 'dsari.sqlite3'), { readonly: true });
const someRun = db.prepare("SELECT run_id FROM runs WHERE job_name = 'big' ORDER BY start_time DESC LIMIT 1").get().run_id;
db.close();

async function timeMany(path, n = 40) {
  const ms = [];
  let bytes = 0;
  for (let i = 0; i < n; i++) {
    const r = await get(base, path);
    if (r.status !== 200) throw new Error(`${path}: ${r.status} ${r.body.slice(0, 200)}`);
    ms.push(r.ms);
    bytes = r.body.length;
  }
  return `median ${f(pct(ms, 50))} ms, p95 ${f(pct(ms, 95))} ms (${f(bytes / 1024, 0)} KB)`;
}
console.log(`GET /api/v1/jobs: ${await timeMany('/api/v1/jobs')} (target p95 ≤ 50 ms)`);
console.log(`GET / (overview, first page of 500 jobs): ${await timeMany('/')} (target p95 ≤ 100 ms)`);
console.log(`GET /runs/ID (a run page): ${await timeMany(`/runs/${someRun}`)} (target ≤ 50 ms)`);
console.log(`GET /api/v1/jobs/big/runs?limit=50: ${await timeMany('/api/v1/jobs/big/runs?limit=50')}`);
const m0 = performance.now();
await get(base, '/metrics');
console.log(`GET /metrics, first scrape (exporter aggregates over ${RUNS} runs, in the daemon): ${f(performance.now() - m0, 0)} ms; again: ${await timeMany('/metrics', 5)}`);

/** Follows a run's output; resolves with the delays (receive − written) of "w <ms>" lines. */
function follow(runId, collect) {
  const url = new URL(`/api/v1/runs/${runId}/output?follow=1`, base);
  return new Promise((resolve) => {
    const delays = [];
    const req = request({ host: url.hostname, port: url.port, path: url.pathname + url.search, agent: false }, (res) => {
      let buf = '';
      res.setEncoding('utf8').on('data', (d) => {
        const now = Date.now();
        buf += d;
        let i;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          if (collect && block.includes('event: output')) {
            const data = JSON.parse(block.split('\n').find((l) => l.startsWith('data: ')).slice(6));
            for (const m of data.matchAll(/w (\d+)/g)) delays.push(now - Number(m[1]));
          }
        }
      });
      res.on('end', () => resolve(delays));
      // a stream cut by the daemon's shutdown ends without 'end'
      res.on('close', () => resolve(delays));
    });
    req.on('error', () => resolve(delays));
    req.end();
  });
}
async function startRun(job) {
  const r = await post(base, `/api/v1/jobs/${job}/trigger`, {});
  const id = JSON.parse(r.body).run_id;
  for (;;) {
    const s = JSON.parse((await get(base, `/api/v1/runs/${id}`)).body);
    if (s.status === 'running') return id;
    await sleep(20);
  }
}
{
  const id = await startRun('writer');
  const delays = await follow(id, true);
  console.log(`output written → SSE follower (quiet): ${delays.length} lines, median ${f(pct(delays, 50))} ms, p95 ${f(pct(delays, 95))} ms (target p95 ≤ 100 ms)`);
}

// Baseline: the every-second job's lag with the server idle, over the same length of time.
const idleFrom = Date.now() / 1000;
await sleep(20_000);
const idleTo = Date.now() / 1000;
{
  const bdb = new Database(join(dir, 'var', 'dsari.sqlite3'), { readonly: true });
  const idleLags = bdb.prepare("SELECT start_time - schedule_time AS lag FROM runs WHERE job_name = 'tick' AND start_time BETWEEN ? AND ?").all(idleFrom, idleTo).map((r) => r.lag * 1000);
  bdb.close();
  console.log(`schedule lag with the server idle (tick, every second): ${idleLags.length} runs, median ${f(pct(idleLags, 50))} ms, p99 ${f(pct(idleLags, 99))} ms`);
}

// Load: 200 API requests/s (a mix of cheap and paged reads) and 100 followers of a long run.
const longId = await startRun('long');
const followers = Array.from({ length: 100 }, () => follow(longId, false));
const jobNames = fixture.jobNames.slice(0, JOBS);
const paths = [(i) => `/api/v1/jobs/${jobNames[i % jobNames.length]}`, (i) => `/api/v1/jobs/${jobNames[i % jobNames.length]}/runs?limit=20`, () => `/api/v1/runs/${someRun}`, () => '/api/v1/runs?status=running', () => '/healthz'];
let sent = 0;
let failed = 0;
const apiMs = [];
const loadStart = Date.now() / 1000;
const timer = setInterval(() => {
  for (let k = 0; k < 20; k++) {
    const p = paths[sent % paths.length](sent);
    sent++;
    get(base, p).then((r) => (r.status === 200 ? apiMs.push(r.ms) : failed++), () => failed++);
  }
}, 100);
const trig = [];
for (let i = 0; i < 80; i++) {
  const t = Date.now() / 1000;
  const r = await post(base, '/api/v1/jobs/instant/trigger', {});
  trig.push({ id: JSON.parse(r.body).run_id, t });
  await sleep(250);
}
const w = await startRun('writer');
const loadedDelays = await follow(w, true);
await sleep(2000);
clearInterval(timer);
const loadEnd = Date.now() / 1000;
await sleep(1500);
const rdb = new Database(join(dir, 'var', 'dsari.sqlite3'), { readonly: true });
const lags = rdb.prepare("SELECT start_time - schedule_time AS lag FROM runs WHERE job_name = 'tick' AND start_time BETWEEN ? AND ?").all(loadStart, loadEnd).map((r) => r.lag * 1000);
const starts = new Map(rdb.prepare("SELECT run_id, start_time FROM runs WHERE job_name = 'instant'").all().map((r) => [r.run_id, r.start_time]));
rdb.close();
const t2s = trig.filter((x) => starts.has(x.id)).map((x) => (starts.get(x.id) - x.t) * 1000);
const rate = sent / (loadEnd - loadStart);
console.log(`under load (${f(rate, 0)} API requests/s sent, ${apiMs.length} answered, ${failed} failed; API median ${f(pct(apiMs, 50))} ms, p95 ${f(pct(apiMs, 95))} ms; 100 followers):`);
console.log(`  schedule lag (tick, every second): ${lags.length} runs, median ${f(pct(lags, 50))} ms, p99 ${f(pct(lags, 99))} ms (target p99 ≤ 20 ms)`);
console.log(`  trigger (POST) → start: ${t2s.length} runs, median ${f(pct(t2s, 50))} ms, p95 ${f(pct(t2s, 95))} ms (target p95 ≤ 50 ms)`);
console.log(`  output → SSE follower: median ${f(pct(loadedDelays, 50))} ms, p95 ${f(pct(loadedDelays, 95))} ms`);
await stopDaemon(d);
await Promise.all(followers);
agent.destroy();
console.log(`load average after: ${os.loadavg().map((x) => f(x, 2)).join(' ')}`);
