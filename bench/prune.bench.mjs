// `dsari prune` removing 100,000 of 200,000 runs (SPEC-BEYOND §12.7): 10 jobs of 20,000 runs,
// each run with its directory and a 120-byte output.txt, `keep_runs: 10000`. Wall and CPU time
// of the whole command (process start included); the rate is runs removed per wall second.
// The fixture is rebuilt for every measured run (prune destroys it). Uses the built dist/.
// Run: npm run bench -- prune
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';

const DIST = new URL('../dist/cli/', import.meta.url).pathname;
const ROOT = new URL('../.tmp/bench-prune/', import.meta.url).pathname;
const JOBS = 10;
const PER_JOB = 20_000;
const REPEAT = Number(process.env.PRUNE_BENCH_REPEAT ?? 3);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function build() {
  rmSync(ROOT, { recursive: true, force: true });
  const data = join(ROOT, 'var');
  const etc = join(ROOT, 'etc');
  mkdirSync(etc, { recursive: true });
  mkdirSync(data, { recursive: true });
  const jobs = Array.from({ length: JOBS }, (_, i) => `job-${i}`);
  writeFileSync(join(etc, 'dsari.yaml'), `data_dir: ${JSON.stringify(data)}\nretention: {keep_runs: ${PER_JOB / 2}}\njobs:\n${jobs.map((j) => `  ${j}: {command: ["true"]}\n`).join('')}`);
  const db = new Database(join(data, 'dsari.sqlite3'));
  db.pragma('journal_mode = WAL');
  db.exec('CREATE TABLE runs (job_name text, run_id text, schedule_time real, start_time real, stop_time real, exit_code integer, trigger_type text, trigger_data text, run_data text)');
  db.exec('CREATE TABLE runs_running (job_name text, run_id text, schedule_time real, start_time real, trigger_type text, trigger_data text, run_data text)');
  const ins = db.prepare('INSERT INTO runs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)');
  const hex = (n) => n.toString(16).padStart(12, '0');
  const t0 = 1_600_000_000;
  const output = `${'x'.repeat(119)}\n`;
  db.transaction(() => {
    for (let i = 0; i < JOBS * PER_JOB; i++) {
      const job = jobs[i % JOBS];
      const id = `00000000-0000-4000-8000-${hex(i)}`;
      const t = t0 + i * 10;
      ins.run(job, id, t, t + 1, t + 5, i % 97 === 0 ? 1 : 0, 'schedule', '{}', '{}');
      const dir = join(data, 'runs', job, id);
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'output.txt'), output);
    }
  })();
  db.close();
  return { etc, data };
}

function timeCli(etc, args) {
  const t = performance.now();
  const r = spawnSync('/usr/bin/time', ['-f', '%U %S %M', process.execPath, join(DIST, 'dsari.js'), 'prune', '-c', etc, ...args], { encoding: 'utf8' });
  const wall = performance.now() - t;
  if (r.status !== 0) throw new Error(`dsari prune ${args.join(' ')}: ${r.stderr}`);
  const [u, s, rss] = r.stderr.trim().split('\n').pop().split(' ').map(Number);
  return { wall, cpu: (u + s) * 1000, rssMiB: rss / 1024, stdout: r.stdout };
}

console.log(`load average ${os.loadavg()[0].toFixed(1)} on ${os.cpus().length} cores; ${REPEAT} run(s), medians`);
const walls = [];
const cpus = [];
const dryWalls = [];
let last;
for (let i = 0; i < REPEAT; i++) {
  const t = performance.now();
  const { etc } = build();
  const buildMs = performance.now() - t;
  // creates the indexes of a database written by the original, outside the measured runs
  timeCli(etc, ['--dry-run', '--job', 'none']);
  const dry = timeCli(etc, ['--dry-run']);
  dryWalls.push(dry.wall);
  last = timeCli(etc, []);
  if (!last.stdout.startsWith(`Removed ${JOBS * PER_JOB / 2} run(s)`)) throw new Error(`unexpected summary: ${last.stdout}`);
  walls.push(last.wall);
  cpus.push(last.cpu);
  console.log(`  run ${i + 1}: fixture built in ${(buildMs / 1000).toFixed(1)} s; dry run ${(dry.wall / 1000).toFixed(2)} s; prune ${(last.wall / 1000).toFixed(2)} s wall, ${(last.cpu / 1000).toFixed(2)} s CPU, max RSS ${last.rssMiB.toFixed(0)} MiB`);
}
const removed = JOBS * PER_JOB / 2;
console.log(`dsari prune --dry-run (200,000 runs, 100,000 would go): ${(median(dryWalls) / 1000).toFixed(2)} s`);
console.log(`dsari prune removing 100,000 of 200,000 runs with their directories: ${(median(walls) / 1000).toFixed(2)} s wall, ${(median(cpus) / 1000).toFixed(2)} s CPU → ${Math.round(removed / (median(walls) / 1000))} runs/s`);
console.log(`summary printed: ${last.stdout.trim().replace(/\n/g, ' | ')}`);
rmSync(ROOT, { recursive: true, force: true });
