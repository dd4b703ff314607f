// The simulator: a week of 1,000 jobs (every-minute, hourly, daily, RRULE; a third in
// concurrency groups, some in Europe/Berlin) on the daemon's scheduler core. Targets: ≤ 5 s and
// ≤ 300 MB peak RSS for the whole `dsari simulate` command (load config, simulate, text report).
// Each measurement is a fresh process (peak RSS is per process). Run: npm run bench -- simulate
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const JOBS = 1000;
const CLI = fileURLToPath(new URL('../dist/cli/dsari.js', import.meta.url));

/** Job i's schedule: 4% every minute, 50% hourly, 30% daily, 16% RRULE. */
function schedule(i) {
  const k = i % 50;
  if (k < 2) return '* * * * *';
  if (k < 27) return 'H * * * *';
  if (k < 42) return 'H H * * *';
  return ['RRULE:FREQ=HOURLY;INTERVAL=3', 'RRULE:FREQ=WEEKLY;BYDAY=MO,WE,FR;BYHOUR=3,9,15', 'RRULE:FREQ=DAILY;BYHOUR=2,3,4;BYMINUTE=0,30', 'RRULE:FREQ=MINUTELY;INTERVAL=20'][k % 4];
}

function writeConfig(dir) {
  const lines = ['data_dir: ' + JSON.stringify(join(dir, 'var')), 'concurrency_groups:'];
  for (let g = 0; g < 10; g++) lines.push(`  pool-${g}:`, `    max: ${1 + (g % 4)}`);
  lines.push('jobs:');
  for (let i = 0; i < JOBS; i++) {
    lines.push(`  job-${String(i).padStart(4, '0')}:`, '    command: /bin/true', `    schedule: ${JSON.stringify(schedule(i))}`);
    if (i % 3 === 0) lines.push(`    concurrency_groups: [pool-${i % 10}]`);
    if (i % 7 === 0) lines.push('    schedule_timezone: Europe/Berlin');
  }
  writeFileSync(join(dir, 'dsari.yaml'), `${lines.join('\n')}\n`);
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/**
 * `typical`: every-minute jobs 5 s, the rest 1 min: the busiest group is full about a third of
 * the week. `busy`: 10 s and 1 min: one group is full all week, another half of it.
 * `saturated`: 20 s and 4 min: most groups are oversubscribed all week, so dozens of runs wait at
 * every moment (the core looks at each waiting run at each look, as in the daemon).
 */
const SCENARIOS = [
  { name: 'typical', minute: 5, other: 60, target: true },
  { name: 'busy', minute: 10, other: 60, target: false },
  { name: 'saturated', minute: 20, other: 240, target: false },
];

function measure(dir, scenario) {
  const args = [CLI, 'simulate', '-c', dir, '--from', '2026-12-07T00:00', '--until', '+7d', '--timezone', 'UTC', '--no-history', '--durations', String(scenario.other)];
  for (let i = 0; i < JOBS; i += 50) args.push('--durations', `job-${String(i).padStart(4, '0')}=${scenario.minute}`, '--durations', `job-${String(i + 1).padStart(4, '0')}=${scenario.minute}`);
  const walls = [];
  const cpus = [];
  const rss = [];
  for (let r = 0; r < RUNS; r++) {
    const t0 = performance.now();
    // /usr/bin/time reports the peak RSS and CPU seconds of the command alone.
    const p = spawnSync('/usr/bin/time', ['-f', '%M %U %S', process.execPath, ...args, '--output', '/dev/null'], { encoding: 'utf8', env: { ...process.env, TZ: 'UTC' } });
    walls.push(performance.now() - t0);
    if (p.status !== 0) throw new Error(`dsari simulate failed (${p.status}): ${p.stderr}`);
    const [kb, user, sys] = p.stderr.trim().split('\n').pop().split(' ').map(Number);
    rss.push(kb / 1024);
    cpus.push((user + sys) * 1000);
  }
  const probe = spawnSync(process.execPath, [...args, '--format', 'json'], { encoding: 'utf8', maxBuffer: 2 ** 30, env: { ...process.env, TZ: 'UTC' } });
  const doc = JSON.parse(probe.stdout);
  const runs = doc.summary.jobs.reduce((n, j) => n + j.runs, 0);
  const waited = doc.summary.jobs.reduce((n, j) => n + j.queued, 0);
  const full = doc.summary.concurrency_groups.map((g) => g.time_full / (7 * 86_400)).sort((a, b) => b - a);
  const m = median(walls);
  const cpu = median(cpus);
  const mem = median(rss);
  const verdict = scenario.target ? `  ${m <= 5000 && mem <= 300 ? 'OK' : 'OVER'} (targets 5 s, 300 MB)` : '';
  console.log(`${scenario.name.padEnd(10)} ${runs.toLocaleString('en-US').padStart(8)} runs ${doc.events.length.toLocaleString('en-US').padStart(10)} events ${waited.toLocaleString('en-US').padStart(8)} waited, groups full ${full.slice(0, 3).map((x) => `${Math.round(x * 100)}%`).join('/')}…   wall median ${(m / 1000).toFixed(2)} s (min ${(Math.min(...walls) / 1000).toFixed(2)}, max ${(Math.max(...walls) / 1000).toFixed(2)})  CPU median ${(cpu / 1000).toFixed(2)} s  peak RSS median ${mem.toFixed(0)} MB  ${RUNS} runs${verdict}`);
}

const dir = mkdtempSync(join(tmpdir(), 'dsari-bench-sim-'));
try {
  writeConfig(dir);
  console.log(`a week of ${JOBS} jobs (4% every minute, 50% hourly, 30% daily, 16% RRULE; a third in 10 groups of 1-4 slots), dsari simulate --format text`);
  for (const scenario of SCENARIOS) measure(dir, scenario);
} finally {
  if (!process.env.KEEP_TMP) rmSync(dir, { recursive: true, force: true });
  else console.log(dir);
}
