// Executor figures: cost of starting a run under the exit-status wrapper (dsari-reaper's and the
// /bin/sh one, vs a bare spawn; and how long the start holds the caller's thread), the
// daemon's memory while a run writes 1 GiB of output, terminate() latency, and the /proc scan
// for escaped processes. Uses the built dist/. Run: npm run bench -- executor
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildRunEnvironment, processesWithRunId, startRun } from '../dist/executor/index.js';

const base = mkdtempSync(join(tmpdir(), 'dsari-bench-exec-'));
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
};
let n = 0;
function prepare() {
  const runId = `bench-${process.pid}-${n++}`;
  const dataDir = join(base, 'data');
  const runDir = join(dataDir, 'runs', 'bench', runId);
  mkdirSync(runDir, { recursive: true });
  const env = buildRunEnvironment({ dataDir, jobName: 'bench', runId, scheduleTime: Date.now() / 1000, startTime: Date.now() / 1000, triggerType: 'schedule', daemonPath: process.env.PATH });
  return { runDir, env, runId };
}

const N = 60;
const keepers = { reaper: { total: [], call: [] }, wrapper: { total: [], call: [] } };
const bare = [];
for (let i = 0; i < N; i++) {
  // Each way in turn: dsari-reaper (the default), the /bin/sh wrapper, a bare child_process.spawn.
  for (const [statusKeeper, figures] of Object.entries(keepers)) {
    const { runDir, env } = prepare();
    // A pause between starts, as between a daemon's scheduled runs (the burst bench has none).
    await new Promise((resolve) => setTimeout(resolve, 5));
    const t = performance.now();
    const run = startRun({ argv: ['true'], env, runDir, statusKeeper });
    figures.call.push(performance.now() - t);
    await run.exited;
    figures.total.push(performance.now() - t);
  }
  const { env } = prepare();
  await new Promise((resolve) => setTimeout(resolve, 5));
  const t = performance.now();
  await new Promise((resolve) => spawn('true', [], { stdio: 'ignore', env, detached: true }).on('exit', resolve));
  bare.push(performance.now() - t);
}
const mb = median(bare);
for (const [keeper, { total, call }] of Object.entries(keepers)) {
  console.log(
    `start→exit of /bin/true, median of ${N}, status kept by ${keeper === 'reaper' ? 'dsari-reaper' : 'the /bin/sh wrapper'}: ${median(total).toFixed(2)} ms (the startRun call itself ${median(call).toFixed(2)} ms), bare child_process.spawn ${mb.toFixed(2)} ms, ratio ${(median(total) / mb).toFixed(2)}`,
  );
}

{
  const { runDir, env } = prepare();
  globalThis.gc?.();
  const before = process.memoryUsage().rss;
  let peak = before;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
  const t = performance.now();
  const r = await startRun({ argv: ['sh', '-c', 'yes | head -c 1073741824'], env, runDir }).exited;
  const ms = performance.now() - t;
  clearInterval(timer);
  const size = statSync(join(runDir, 'output.txt')).size;
  console.log(`1 GiB of output (exit ${r.exitCode}, ${size} bytes in output.txt): ${(ms / 1000).toFixed(2)} s, ${(size / 2 ** 20 / (ms / 1000)).toFixed(0)} MiB/s; daemon RSS before ${(before / 2 ** 20).toFixed(1)} MiB, peak ${(peak / 2 ** 20).toFixed(1)} MiB (growth ${((peak - before) / 2 ** 20).toFixed(1)} MiB)`);
  rmSync(join(runDir, 'output.txt'));
}

{
  const lat = [];
  for (let i = 0; i < 15; i++) {
    const { runDir, env } = prepare();
    const h = startRun({ argv: ['sleep', '1000'], env, runDir });
    await new Promise((r) => setTimeout(r, 20));
    const t = performance.now();
    h.terminate({ graceSeconds: 5 });
    await h.exited;
    lat.push(performance.now() - t);
  }
  console.log(`terminate() → exited for sleep (SIGTERM, incl. /proc RUN_ID scan), median of 15: ${median(lat).toFixed(2)} ms`);
}

{
  const scans = [];
  for (let i = 0; i < 20; i++) {
    const t = performance.now();
    processesWithRunId('no-such-run');
    scans.push(performance.now() - t);
  }
  const { readdirSync } = await import('node:fs');
  const procs = readdirSync('/proc').filter((x) => /^[0-9]+$/.test(x)).length;
  console.log(`/proc scan for RUN_ID (${procs} processes), median of 20: ${median(scans).toFixed(2)} ms`);
}
rmSync(base, { recursive: true, force: true });
