// Configuration loading: a configuration of 10,000 jobs (YAML, JSON, and split over config.d),
// read, merged and validated (schedules compiled) by loadConfig. Target: < 1 s.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { loadConfig } from '../dist/config/load.js';

const JOBS = 10_000;
const RUNS = Number(process.env.BENCH_RUNS ?? 7);

function jobs(from, to) {
  const out = {};
  for (let i = from; i < to; i++) {
    out[`job-${String(i).padStart(5, '0')}`] = {
      command: i % 2 === 0 ? ['/usr/bin/backup', '--target', `host${i}`] : `/bin/sh -c 'echo "run ${i}" && sleep 1'`,
      schedule: i % 3 === 0 ? null : i % 3 === 1 ? 'H/15 * * * *' : 'H H(0-5) * * 1-5',
      environment: { TARGET: `host${i}`, LEVEL: i % 10, RATIO: 0.5 },
      max_execution: 3600,
      concurrency_groups: [`group-${i % 20}`],
    };
  }
  return out;
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function measure(name, dir, extra = {}) {
  loadConfig({ configDir: dir, env: {}, ...extra }); // warm-up
  const times = [];
  const cpus = [];
  let config;
  for (let i = 0; i < RUNS; i++) {
    globalThis.gc?.();
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    config = loadConfig({ configDir: dir, env: {}, ...extra });
    times.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpus.push((c.user + c.system) / 1000);
  }
  if (config.jobs.size !== JOBS) throw new Error(`expected ${JOBS} jobs, got ${config.jobs.size}`);
  const m = median(times);
  const cpu = median(cpus);
  console.log(`${name.padEnd(26)} wall median ${m.toFixed(0).padStart(5)} ms (min ${Math.min(...times).toFixed(0)}, max ${Math.max(...times).toFixed(0)})  CPU median ${cpu.toFixed(0).padStart(5)} ms  ${RUNS} runs  ${m < 1000 ? 'OK' : 'OVER'} (target 1 s)`);
  return m;
}

const root = mkdtempSync(join(tmpdir(), 'dsari-bench-config-'));
try {
  const all = { concurrency_groups: { 'group-0': { max: 2 } }, jobs: jobs(0, JOBS) };
  const y = join(root, 'yaml');
  mkdirSync(y);
  writeFileSync(join(y, 'dsari.yaml'), stringify(all));
  const j = join(root, 'json');
  mkdirSync(j);
  writeFileSync(join(j, 'dsari.json'), JSON.stringify(all, null, 2));
  const d = join(root, 'configd');
  mkdirSync(join(d, 'config.d'), { recursive: true });
  writeFileSync(join(d, 'dsari.yaml'), 'concurrency_groups:\n  group-0: {max: 2}\n');
  for (let f = 0; f < 100; f++) writeFileSync(join(d, 'config.d', `${String(f).padStart(3, '0')}.yaml`), stringify({ jobs: jobs(f * 100, f * 100 + 100) }));

  console.log(`loadConfig, ${JOBS} jobs (2/3 with schedules), node ${process.version}, load average ${(await import('node:os')).loadavg().map((x) => x.toFixed(1)).join(' ')}`);
  const my = measure('one dsari.yaml', y);
  const mj = measure('one dsari.json', j);
  const md = measure('config.d: 100 YAML files', d);
  const mn = measure('dsari.yaml, schedules unchecked', y, { scheduleCheck: () => {} });
  console.log(`ratio yaml/json ${(my / mj).toFixed(2)}, config.d/yaml ${(md / my).toFixed(2)}; schedule compiling is ${(100 * (1 - mn / my)).toFixed(0)}% of the yaml load (wall)`);
} finally {
  rmSync(root, { recursive: true, force: true });
}
