// An idle daemon with many jobs (issue 15): time from spawn to "Scheduler running" and RSS once
// settled, for 5,000 and 10,000 `@daily` jobs. The built dist/, a real process, SQLite in its
// data directory. Each size is started DAEMON_IDLE_STARTS times (default 3); medians.
// RSS is read SETTLE_S seconds (default 25) after "Scheduler running": the daemon returns its
// young generation from 10 s after start-up on (src/cli/idle-heap.ts).
// Run: npm run bench -- daemon-idle
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const DAEMON = fileURLToPath(new URL('../dist/cli/dsari-daemon.js', import.meta.url));
const STARTS = Number(process.env.DAEMON_IDLE_STARTS ?? 3);
const SETTLE_S = Number(process.env.SETTLE_S ?? 25);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const status = (pid, key) => Number(new RegExp(`${key}:\\s+(\\d+)`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) / 1024;
const cpuSeconds = (pid) => {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime + stime, in clock ticks of 10 ms
};

// The configuration cache (src/config/cache.ts) of the daemons started here: their own, removed at the end.
const CACHE = mkdtempSync(join(os.tmpdir(), 'dsari-bench-idle-cache-'));

/**
 * One start: { readyMs, cpuMs (start-up CPU), rss, hwm } of a daemon with `n` daily jobs in a
 * new directory (so its configuration is not in the cache yet), then `restartMs`: the same
 * daemon started again on the same configuration (read from the cache).
 */
async function startOnce(n) {
  const dir = mkdtempSync(join(os.tmpdir(), 'dsari-bench-idle-'));
  mkdirSync(join(dir, 'etc'));
  let yaml = `data_dir: ${join(dir, 'var')}\njobs:\n`;
  for (let i = 0; i < n; i++) yaml += `  daily-${i}:\n    command: /bin/true\n    schedule: "@daily"\n`;
  writeFileSync(join(dir, 'etc', 'dsari.yaml'), yaml);
  const first = await daemon(dir, SETTLE_S);
  const again = await daemon(dir, 0);
  rmSync(dir, { recursive: true, force: true });
  return { ...first, restartMs: again.readyMs };
}

async function daemon(dir, settleS) {
  const t0 = performance.now();
  const child = spawn(process.execPath, [DAEMON, '-c', join(dir, 'etc')], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, TZ: 'UTC', XDG_CACHE_HOME: CACHE } });
  let stderr = '';
  const exited = new Promise((r) => child.on('exit', r));
  const readyMs = await new Promise((resolve, reject) => {
    child.stderr.setEncoding('utf8').on('data', (d) => {
      stderr += d;
      if (stderr.includes('Scheduler running')) resolve(performance.now() - t0);
    });
    exited.then(() => reject(new Error(`daemon exited:\n${stderr}`)));
  });
  const cpuMs = cpuSeconds(child.pid) * 1000;
  await sleep(settleS * 1000);
  const rss = status(child.pid, 'VmRSS');
  const hwm = status(child.pid, 'VmHWM');
  child.kill('SIGTERM');
  await exited;
  return { readyMs, cpuMs, rss, hwm };
}

console.log(`load average ${os.loadavg().map((x) => x.toFixed(1)).join(' ')} on ${os.cpus().length} cores; ${STARTS} starts per size, medians; RSS ${SETTLE_S} s after ready`);
for (const [n, rssTarget] of [[5_000, 80], [10_000, 100]]) {
  const runs = [];
  for (let i = 0; i < STARTS; i++) runs.push(await startOnce(n));
  const ready = median(runs.map((r) => r.readyMs));
  const cpu = median(runs.map((r) => r.cpuMs));
  const rss = median(runs.map((r) => r.rss));
  const hwm = median(runs.map((r) => r.hwm));
  const restart = median(runs.map((r) => r.restartMs));
  console.log(
    `${n} @daily jobs: spawn → "Scheduler running" ${ready.toFixed(0)} ms (CPU ${cpu.toFixed(0)} ms)${n === 5_000 ? ` (target ≤ 500: ${ready <= 500 ? 'OK' : 'OVER'})` : ''}; ` +
      `RSS ${rss.toFixed(1)} MB (target ≤ ${rssTarget}: ${rss <= rssTarget ? 'OK' : 'OVER'}), peak ${hwm.toFixed(1)} MB; all: ${runs.map((r) => `${r.readyMs.toFixed(0)} ms/${r.rss.toFixed(0)} MB`).join(', ')}; ` +
      `restart on the same configuration (from the cache): ${restart.toFixed(0)} ms`,
  );
}
rmSync(CACHE, { recursive: true, force: true });
