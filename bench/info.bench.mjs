// dsari-info figures with 1,000,000 runs in the database (SPEC §9 target: `run list --job X` for
// a job with 20,000 runs prints in < 1 s), plus `run output` throughput for plain, gzip and xz
// output. Wall and CPU time of the whole command (process start included), median of 3.
// Uses the built dist/. Run: npm run bench -- info
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { buildRunsFixture, BENCH_DIR } from './fixture-runs.mjs';

const DIST = new URL('../dist/cli/', import.meta.url).pathname;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ms = (x) => `${x.toFixed(0)} ms`;

const fx = buildRunsFixture({ total: 1_000_000, jobs: 49, bigRuns: 20_000 });
const configDir = join(BENCH_DIR, 'info-etc');
mkdirSync(configDir, { recursive: true });
writeFileSync(
  join(configDir, 'dsari.yaml'),
  `data_dir: ${JSON.stringify(fx.dataDir)}\njobs:\n${fx.jobNames.map((j) => `  ${j}:\n    command: ["true"]\n    schedule: "H * * * *"\n`).join('')}`,
);

/** Wall time and CPU time (user + sys, from GNU time: on a loaded machine wall time mostly waits). */
function timeCli(args, runs = 3) {
  const times = [];
  const cpu = [];
  let bytes = 0;
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    const r = spawnSync('/usr/bin/time', ['-f', '%U %S', process.execPath, join(DIST, 'dsari-info.js'), '-c', configDir, ...args], { maxBuffer: 1 << 30 });
    times.push(performance.now() - t);
    if (r.status !== 0) throw new Error(`${args.join(' ')}: ${r.stderr}`);
    const [u, s] = r.stderr.toString().trim().split('\n').pop().split(' ').map(Number);
    cpu.push((u + s) * 1000);
    bytes = r.stdout.length;
  }
  return { ms: median(times), cpu: median(cpu), bytes };
}
const both = (r) => `${ms(r.ms)} wall, ${ms(r.cpu)} CPU`;

// once, so that index creation on a database written by the original is not in the figures
timeCli(['run', 'list', '--job', 'nothing', '--format', 'json'], 1);
const baseline = timeCli(['--version']);
console.log(`load average ${(await import('node:os')).loadavg()[0].toFixed(1)} on ${(await import('node:os')).cpus().length} cores; medians of 3`);
console.log(`start-up (dsari-info --version): ${both(baseline)}`);
for (const format of ['json', 'yaml', 'tabular', 'pretty']) {
  const r = timeCli(['run', 'list', '--job', 'big', '--format', format]);
  console.log(`run list --job big (20,000 of 1,000,000 runs) --format ${format}: ${both(r)} (${(r.bytes / 2 ** 20).toFixed(1)} MiB)`);
}
const one = timeCli(['run', 'list', '--run', '00000000-0000-4000-8000-000000054321', '--format', 'json']);
console.log(`run list --run ID (1 of 1,000,000): ${both(one)}`);
const jobs = timeCli(['job', 'list']);
console.log(`job list (50 jobs): ${both(jobs)}`);

// run output: 64 MiB of text as output.txt, .gz and .xz
const id = '00000000-0000-4000-8000-000000000007';
const dir = join(fx.dataDir, 'runs', 'big', id);
mkdirSync(dir, { recursive: true });
const line = 'a line of build output, about seventy characters long ..............\n';
const text = Buffer.from(line.repeat(Math.ceil((64 * 2 ** 20) / line.length)));
for (const [name, data] of [
  ['output.txt', text],
  ['output.txt.gz', gzipSync(text)],
  ['output.txt.xz', execFileSync('xz', ['-c', '-T1'], { input: text, maxBuffer: 1 << 30 })],
]) {
  for (const other of ['output.txt', 'output.txt.gz', 'output.txt.xz']) spawnSync('rm', ['-f', join(dir, other)]);
  writeFileSync(join(dir, name), data);
  const r = timeCli(['run', 'output', id], 3);
  console.log(`run output, 64 MiB as ${name}: ${both(r)} (${((r.bytes / 2 ** 20) / (r.ms / 1000)).toFixed(0)} MiB/s wall)`);
}
spawnSync('rm', ['-rf', dir]);
