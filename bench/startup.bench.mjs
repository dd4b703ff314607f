// Start-up of everyday commands against `node -e 0` (issue 15): `dsari-info run list --job big`
// on 200,000 runs (4,000 of job "big"), `dsari-info job list` with 10,000 jobs, and
// `dsari schedule … -n 5`. Wall time of the whole process, commands interleaved round by round
// (so a change in the machine's load hits all of them alike), medians; the figure to compare
// with the target is the median minus the median of `node -e 0`.
// Uses the built dist/. Run: npm run bench -- startup   (STARTUP_BENCH_ROUNDS to change 15)
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { buildRunsFixture, BENCH_DIR } from './fixture-runs.mjs';

const DIST = new URL('../dist/cli/', import.meta.url).pathname;
const ROUNDS = Number(process.env.STARTUP_BENCH_ROUNDS ?? 15);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

// 200,000 runs over 50 jobs; the copy is upgraded (indexes) as the daemon or `dsari migrate`
// leaves a database, since readers no longer create indexes themselves.
const fx = buildRunsFixture({ total: 200_000, jobs: 49, bigRuns: 4_000 });
const site = join(BENCH_DIR, 'startup');
const etc = join(site, 'etc');
const data = join(site, 'data');
mkdirSync(etc, { recursive: true });
mkdirSync(data, { recursive: true });
writeFileSync(
  join(etc, 'dsari.yaml'),
  `data_dir: ${JSON.stringify(data)}\njobs:\n${fx.jobNames.map((j) => `  ${j}:\n    command: ["true"]\n    schedule: "H * * * *"\n`).join('')}`,
);
if (!existsSync(join(data, 'dsari.sqlite3'))) {
  cpSync(fx.file, join(data, 'dsari.sqlite3'));
  const up = spawnSync(process.execPath, [join(DIST, 'dsari.js'), 'migrate', '-c', etc], { encoding: 'utf8' });
  if (up.status !== 0) throw new Error(`dsari migrate: ${up.stderr}`);
}

// 10,000 jobs, shaped like the configuration benchmark's (2/3 with schedules).
const manyEtc = join(BENCH_DIR, 'startup-10000-jobs', 'etc');
mkdirSync(manyEtc, { recursive: true });
let yaml = `data_dir: ${JSON.stringify(join(BENCH_DIR, 'startup-10000-jobs', 'data'))}\nconcurrency_groups:\n  group-0: {max: 2}\njobs:\n`;
for (let i = 0; i < 10_000; i++) {
  const schedule = i % 3 === 0 ? 'null' : i % 3 === 1 ? "'H/15 * * * *'" : "'H H(0-5) * * 1-5'";
  yaml += `  job-${String(i).padStart(5, '0')}:\n    command: ['/usr/bin/backup', '--target', 'host${i}']\n    schedule: ${schedule}\n` +
    `    environment: {TARGET: host${i}, LEVEL: ${i % 10}}\n    max_execution: 3600\n    concurrency_groups: [group-${i % 20}]\n`;
}
writeFileSync(join(manyEtc, 'dsari.yaml'), yaml);

/** Removes the kept next runs (next-*.json) from a cache directory. */
function removeNextRuns(cacheHome) {
  const dir = join(cacheHome, 'dsari');
  if (!existsSync(dir)) return;
  for (const f of readdirSync(dir)) if (f.startsWith('next-')) rmSync(join(dir, f), { force: true });
}

const cases = [
  { name: 'node -e 0', argv: ['-e', '0'] },
  { name: 'dsari-info run list --job big --format json (4,000 of 200,000 runs)', argv: [join(DIST, 'dsari-info.js'), '-c', etc, 'run', 'list', '--job', 'big', '--format', 'json'], target: 80 },
  { name: 'dsari-info run list --job big (pretty)', argv: [join(DIST, 'dsari-info.js'), '-c', etc, 'run', 'list', '--job', 'big'], target: 80 },
  { name: 'dsari-info job list (10,000 jobs)', argv: [join(DIST, 'dsari-info.js'), '-c', manyEtc, 'job', 'list'], target: 150 },
  // The same without the next runs an earlier command found (src/config/next-runs.ts): what a
  // job list pays when its jobs' next runs have all passed since the last one.
  { name: 'dsari-info job list (10,000 jobs), next runs not kept', argv: [join(DIST, 'dsari-info.js'), '-c', manyEtc, 'job', 'list'], prepare: (cacheHome) => removeNextRuns(cacheHome) },
  // The same without the configuration cache: what the first command after an edit pays.
  { name: 'dsari-info job list (10,000 jobs), DSARI_CONFIG_CACHE=off', argv: [join(DIST, 'dsari-info.js'), '-c', manyEtc, 'job', 'list'], env: { DSARI_CONFIG_CACHE: 'off' } },
  { name: 'dsari schedule "H 3 * * 1-5" --job backup -n 5', argv: [join(DIST, 'dsari.js'), 'schedule', 'H 3 * * 1-5', '--job', 'backup', '-n', '5'], target: 50 },
];
// BENCH_BEFORE_DIST=/path/to/older/dist adds each command as that build runs it, in the same
// rounds, so that before and after see the same load.
const before = process.env.BENCH_BEFORE_DIST;
if (before !== undefined) {
  for (const c of [...cases]) {
    if (c.argv[0] === '-e') continue;
    cases.push({ name: `  before: ${c.name}`, argv: c.argv.map((a) => a.replace(DIST, join(before, 'cli/'))), after: c, prepare: c.prepare, env: { ...c.env, XDG_CACHE_HOME: join(BENCH_DIR, 'cache-before') } });
  }
}
// Each build keeps its own configuration cache (a cache is used only by the build that wrote it).
const env = { ...process.env, COLUMNS: '200', XDG_CACHE_HOME: join(BENCH_DIR, 'cache-after') };
// GNU time gives each command's CPU time (user + sys) as well: on a loaded machine the wall
// time mostly waits for a core, the CPU time does not.
const wall = cases.map(() => []);
const cpu = cases.map(() => []);
for (let round = 0; round < ROUNDS + 1; round++) {
  cases.forEach((c, i) => {
    const caseEnv = { ...env, ...c.env };
    c.prepare?.(caseEnv.XDG_CACHE_HOME);
    const t = performance.now();
    const r = spawnSync('/usr/bin/time', ['-f', '%U %S', process.execPath, ...c.argv], { env: caseEnv, maxBuffer: 1 << 28 });
    const ms = performance.now() - t;
    if (r.status !== 0) throw new Error(`${c.name}: exit ${r.status}: ${r.stderr}`);
    if (round === 0) return; // round 0 warms the page cache
    const [u, sys] = r.stderr.toString().trim().split('\n').pop().split(' ').map(Number);
    wall[i].push(ms);
    cpu[i].push((u + sys) * 1000);
  });
}
console.log(`load average ${os.loadavg().map((x) => x.toFixed(1)).join(' ')} on ${os.cpus().length} cores; medians of ${ROUNDS} interleaved rounds`);
const base = median(wall[0]);
const baseCpu = median(cpu[0]);
cases.forEach((c, i) => {
  const m = median(wall[i]);
  const over = m - base;
  const a = cases.indexOf(c.after);
  const ratio = c.after === undefined ? '' : `  now ${(m / median(wall[a])).toFixed(2)}× faster (wall), ${(median(cpu[i]) / median(cpu[a])).toFixed(2)}× (CPU)`;
  const verdict = c.target === undefined ? ratio : `  node + ${over.toFixed(0)} ms wall, + ${(median(cpu[i]) - baseCpu).toFixed(0)} ms CPU (target ≤ + ${c.target}: ${over <= c.target ? 'OK' : 'OVER'})`;
  console.log(`${c.name.padEnd(72)} ${m.toFixed(0).padStart(5)} ms wall ${median(cpu[i]).toFixed(0).padStart(5)} ms CPU${verdict}`);
});
