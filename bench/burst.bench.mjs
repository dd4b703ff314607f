// A burst of 300 triggered runs of /bin/true against a small C program that posix_spawns and
// reaps /bin/true 300 times sequentially (bench/spawn-true.c, compiled here with cc). Issue 15
// target: the daemon's rate ≥ 0.35 × the C program's. Each burst: the C program's time is taken
// just before it; a fresh daemon (SQLite in its data directory), 300 jobs, their trigger files
// written at once, until all 300 runs are in `runs`. BURSTS (default 3) per place, on the disk
// (the system's temp directory) and in /dev/shm; medians.
// BENCH_DIST=/path/to/dist times another build; BENCH_NODE_ARGS (space-separated) are given to
// the daemon's node, e.g. '--cpu-prof --cpu-prof-dir=/tmp/prof'; BURST_PLACES=/dev/shm only
// there. Run: npm run bench -- burst
import Database from 'better-sqlite3';
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const DIST = process.env.BENCH_DIST ?? fileURLToPath(new URL('../dist', import.meta.url));
const DAEMON = join(DIST, 'cli', 'dsari-daemon.js');
const N = 300;
const BURSTS = Number(process.env.BURSTS ?? 3);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const leftBehind = [];

const build = mkdtempSync(join(os.tmpdir(), 'dsari-bench-spawn-'));
leftBehind.push(build);
const C = join(build, 'spawn-true');
execFileSync('cc', ['-O2', '-o', C, fileURLToPath(new URL('spawn-true.c', import.meta.url))]);
const cMs = () => Number(execFileSync(C, [String(N)], { encoding: 'utf8' }).trim());

async function burst(base) {
  const dir = mkdtempSync(join(base, 'dsari-bench-burst-'));
  leftBehind.push(dir);
  const etc = join(dir, 'etc');
  const data = join(dir, 'var');
  mkdirSync(etc);
  const names = Array.from({ length: N }, (_, i) => `j${i}`);
  writeFileSync(join(etc, 'dsari.yaml'), `data_dir: ${data}\njob_groups:\n  g:\n    job_names: [${names.join(', ')}]\n    command: /bin/true\n`);
  const nodeArgs = process.env.BENCH_NODE_ARGS ? process.env.BENCH_NODE_ARGS.split(' ') : [];
  const child = spawn(process.execPath, [...nodeArgs, DAEMON, '-c', etc], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, TZ: 'UTC' } });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
  const exited = new Promise((r) => child.on('exit', r));
  while (!stderr.includes('Scheduler running')) {
    if (child.exitCode !== null) throw new Error(`daemon exited:\n${stderr}`);
    await sleep(5);
  }
  const reference = cMs();
  const db = new Database(join(data, 'dsari.sqlite3'), { readonly: true });
  const count = db.prepare('SELECT count(*) FROM runs').pluck();
  const t = performance.now();
  for (const name of names) {
    const tdir = join(data, 'trigger', name);
    mkdirSync(tdir, { recursive: true });
    writeFileSync(join(tdir, '.tmp'), '{}');
    renameSync(join(tdir, '.tmp'), join(tdir, 'trigger.json'));
  }
  while (count.get() < N) await sleep(5);
  const daemonMs = performance.now() - t;
  db.close();
  child.kill('SIGTERM');
  await exited;
  return { ratio: reference / daemonMs, daemonRate: N / (daemonMs / 1000), cRate: N / (reference / 1000) };
}

console.log(`${DAEMON}; load average ${os.loadavg().map((x) => x.toFixed(1)).join(' ')} on ${os.cpus().length} cores`);
try {
  for (const base of process.env.BURST_PLACES ? process.env.BURST_PLACES.split(',') : [os.tmpdir(), '/dev/shm']) {
    const rs = [];
    for (let i = 0; i < BURSTS; i++) rs.push(await burst(base));
    const m = median(rs.map((r) => r.ratio));
    console.log(
      `${N} triggered /bin/true runs, data in ${base}: ${rs.map((r) => `${r.daemonRate.toFixed(0)} runs/s vs C ${r.cRate.toFixed(0)}/s = ${r.ratio.toFixed(2)}`).join('; ')}; median ratio ${m.toFixed(2)} (target ≥ 0.35: ${m >= 0.35 ? 'OK' : 'UNDER'})`,
    );
  }
} finally {
  for (const d of leftBehind) rmSync(d, { recursive: true, force: true });
}
