// Benchmark of dsari-render (SPEC §8) through the built CLI, as a user runs it:
//  1. a full render of 100,000 runs (50 jobs × 2,000 runs, each with a small output file;
//     target < 60 s),
//  2. a render with nothing new (median of 5),
//  3. an incremental render after 10 new runs in 10 different jobs (median of 5; target < 2 s).
// The database is created with the original's exact schema, as the original leaves it.
// Options (environment): BENCH_REPORT_RUNS (default 100000), BENCH_REPORT_JOBS (default 50),
// BENCH_REPORT_KEEP=1 keeps the data directory for profiling.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';

const RUNS = Number(process.env.BENCH_REPORT_RUNS ?? 100_000);
const JOBS = Number(process.env.BENCH_REPORT_JOBS ?? 50);
const CLI = new URL('../dist/cli/dsari-render.js', import.meta.url).pathname;

const root = mkdtempSync(join(tmpdir(), 'dsari-bench-report-'));
const etc = join(root, 'etc');
const data = join(root, 'var');
mkdirSync(etc, { recursive: true });
mkdirSync(data, { recursive: true });
const jobNames = Array.from({ length: JOBS }, (_, i) => `job-${String(i).padStart(3, '0')}`);
writeFileSync(
  join(etc, 'dsari.yaml'),
  `data_dir: ${data}\njobs:\n${jobNames.map((n) => `  ${n}:\n    command: [/bin/true]\n    schedule: "H * * * *"\n`).join('')}`,
);

const uuid = (n) => `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;
const now = Date.now() / 1000;
let seq = 0;

function insertRuns(count, jobsFor, startAt) {
  const db = new Database(join(data, 'dsari.sqlite3'));
  db.exec(`CREATE TABLE IF NOT EXISTS runs (job_name text, run_id text, schedule_time real, start_time real, stop_time real, exit_code integer, trigger_type text, trigger_data text, run_data text);
CREATE TABLE IF NOT EXISTS runs_running (job_name text, run_id text, schedule_time real, start_time real, trigger_type text, trigger_data text, run_data text);`);
  const insert = db.prepare('INSERT INTO runs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)');
  db.transaction(() => {
    for (let i = 0; i < count; i++) {
      const n = seq++;
      const job = jobsFor(i);
      const id = uuid(n);
      const start = startAt + i * 30;
      const stop = start + 1 + (n % 97) * 1.7;
      insert.run(job, id, start - 0.5, start, stop, n % 13 === 0 ? 1 : 0, n % 5 === 0 ? 'file' : 'schedule',
        n % 5 === 0 ? JSON.stringify({ description: `trigger ${n}`, environment: { N: String(n) } }) : '{}', '{}');
      const dir = join(data, 'runs', job, id);
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'output.txt'), `run ${n}\n\x1b[32mok\x1b[0m step 1\nstep 2 <done>\n`);
    }
  })();
  db.close();
}

// CPU seconds (user + system) of the render, via /usr/bin/time when present: on a shared,
// loaded machine the wall time mostly measures the other tenants.
const TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : null;

function render(...args) {
  const t = performance.now();
  const argv = [process.execPath, CLI, '-c', etc, ...args];
  const r = TIME
    ? spawnSync(TIME, ['-f', 'CPU %U %S', ...argv], { encoding: 'utf8', env: { ...process.env, DSARI_HOME: '' } })
    : spawnSync(argv[0], argv.slice(1), { encoding: 'utf8', env: { ...process.env, DSARI_HOME: '' } });
  const s = (performance.now() - t) / 1000;
  if (r.status !== 0) throw new Error(`dsari-render failed (${r.status}): ${r.stderr}`);
  const m = /^CPU ([\d.]+) ([\d.]+)$/m.exec(r.stderr);
  const cpu = m ? Number(m[1]) + Number(m[2]) : NaN;
  return { s, cpu, log: r.stderr.replace(/^CPU .*$/m, '').trim() };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

try {
  const g = performance.now();
  insertRuns(RUNS, (i) => jobNames[i % JOBS], now - RUNS * 30 - 3600);
  console.log(`setup: ${RUNS} runs in ${JOBS} jobs, with output files, in ${((performance.now() - g) / 1000).toFixed(1)} s`);

  // The indexes a database written by the original lacks are made by the daemon or by
  // `dsari migrate` (readers never write); older builds made them in their first render.
  const up = spawnSync(process.execPath, [new URL('../dist/cli/dsari.js', import.meta.url).pathname, 'migrate', '-c', etc], { encoding: 'utf8' });
  if (up.status !== 0 && !/required option/.test(up.stderr)) throw new Error(`dsari migrate: ${up.stderr}`);

  const full = render();
  console.log(`full render of ${RUNS} runs: ${full.s.toFixed(2)} s wall, ${full.cpu.toFixed(2)} s CPU (${((full.s / RUNS) * 1e6).toFixed(0)} µs/run; target < 60 s) — ${full.log}`);
  const du = execFileSync('du', ['-sh', join(data, 'html')], { encoding: 'utf8' }).split('\t')[0];
  console.log(`html size: ${du}`);

  const idle = [];
  const idleCpu = [];
  for (let i = 0; i < 5; i++) {
    const r = render();
    idle.push(r.s);
    idleCpu.push(r.cpu);
  }
  console.log(`render with nothing new: median ${median(idle).toFixed(3)} s wall, ${median(idleCpu).toFixed(3)} s CPU (of ${idle.map((x) => x.toFixed(2)).join(', ')})`);

  const inc = [];
  const incCpu = [];
  for (let i = 0; i < 5; i++) {
    insertRuns(10, (k) => jobNames[(k * 7 + i) % JOBS], now - 600 + i * 60);
    const r = render();
    if (!/Wrote 10 run pages, 10 job pages and the index/.test(r.log)) throw new Error(`unexpected: ${r.log}`);
    inc.push(r.s);
    incCpu.push(r.cpu);
  }
  console.log(`incremental render after 10 new runs in 10 jobs: median ${median(inc).toFixed(3)} s wall, ${median(incCpu).toFixed(3)} s CPU (of ${inc.map((x) => x.toFixed(2)).join(', ')}; target < 2 s)`);
  console.log(`ratio full / incremental: ${(full.s / median(inc)).toFixed(0)}×; load average during the run: ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
} finally {
  if (process.env.BENCH_REPORT_KEEP) console.log(`kept ${root}`);
  else rmSync(root, { recursive: true, force: true });
}
