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
const dir = mkdtempSync(join(tmpdir(), 'dsari-bench-sim-'));
try {
  writeConfig(dir);
  // Durations: every-minute jobs 20 s, the rest 4 min, so groups fill and runs wait.
  const args = [CLI, 'simulate', '-c', dir, '--from', '2026-12-07T00:00', '--until', '+7d', '--timezone', 'UTC', '--no-history', '--durations', '240'];
  for (let i = 0; i < JOBS; i += 50) args.push('--durations', `job-${String(i).padStart(4, '0')}=20`, '--durations', `job-${String(i + 1).padStart(4, '0')}=20`);
  const walls = [];
  const rss = [];
  for (let r = 0; r < RUNS; r++) {
    const t0 = performance.now();
    // /usr/bin/time reports the peak RSS of the command alone.
    const p = spawnSync('/usr/bin/time', ['-f', '%M', process.execPath, ...args, '--output', '/dev/null'], { encoding: 'utf8', env: { ...process.env, TZ: 'UTC' } });
    walls.push(performance.now() - t0);
    if (p.status !== 0) throw new Error(`dsari simulate failed (${p.status}): ${p.stderr}`);
    rss.push(Number(p.stderr.trim().split('\n').pop()) / 1024);
  }
  const probe = spawnSync(process.execPath, [...args, '--format', 'json'], { encoding: 'utf8', maxBuffer: 2 ** 30, env: { ...process.env, TZ: 'UTC' } });
  const doc = JSON.parse(probe.stdout);
  const runs = doc.summary.jobs.reduce((n, j) => n + j.runs, 0);
  const m = median(walls);
  const mem = median(rss);
  console.log(`week of ${JOBS} jobs: ${runs.toLocaleString('en-US')} runs, ${doc.events.length.toLocaleString('en-US')} events, ${doc.summary.jobs.filter((j) => j.queued > 0).length} jobs waited`);
  console.log(`dsari simulate (text)   wall median ${(m / 1000).toFixed(2)} s (min ${(Math.min(...walls) / 1000).toFixed(2)}, max ${(Math.max(...walls) / 1000).toFixed(2)})  peak RSS median ${mem.toFixed(0)} MB  ${RUNS} runs  ${m <= 5000 && mem <= 300 ? 'OK' : 'OVER'} (targets 5 s, 300 MB)`);
} finally {
  if (!process.env.KEEP_TMP) rmSync(dir, { recursive: true, force: true });
  else console.log(dir);
}
