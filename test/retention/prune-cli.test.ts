/**
 * `dsari prune` as a user runs it (the built CLI, SQLite): the summary, --dry-run, --job, the
 * lock against a second prune, a run directory removed by hand, compressed outputs read back by
 * `dsari-info run output` and `dsari-render`, and a disk that fills up during compression (a
 * small tmpfs; skipped with a message where mounting is not allowed).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SqliteStore } from '../../src/store/sqlite.js';
import { makeTempDir, ROOT, runCli } from '../helpers/index.js';

const DAY = 86_400;
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

interface Site {
  etc: string;
  data: string;
  db: string;
  runs: Record<string, string[]>;
}

/** A site with `counts[job]` runs per job, one per day back from yesterday, with output. */
async function site(yaml: string, counts: Record<string, number>, opts: { dataDir?: string; output?: (i: number) => string | Buffer } = {}): Promise<Site> {
  const tmp = makeTempDir('dsari-prune-cli-');
  cleanups.push(tmp.cleanup);
  const etc = join(tmp.path, 'etc');
  const data = opts.dataDir ?? join(tmp.path, 'var');
  const db = join(tmp.path, 'db', 'dsari.sqlite3');
  mkdirSync(etc);
  writeFileSync(join(etc, 'dsari.json'), JSON.stringify({ data_dir: data, database: { type: 'sqlite3', file: db } }));
  writeFileSync(join(etc, 'dsari.yaml'), yaml);
  const store = new SqliteStore(db);
  await store.open();
  const runs: Record<string, string[]> = {};
  const now = Date.now() / 1000;
  for (const [job, n] of Object.entries(counts)) {
    runs[job] = [];
    for (let i = 0; i < n; i++) {
      const stop = now - (n - i) * DAY;
      const runId = randomUUID();
      await store.finishRun({ jobName: job, runId, scheduleTime: stop - 1, startTime: stop - 1, stopTime: stop, exitCode: 0, triggerType: 'schedule', triggerData: {}, runData: {} });
      const dir = join(data, 'runs', job, runId);
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'output.txt'), opts.output?.(i) ?? `output of run ${i}\n`);
      runs[job].push(runId);
    }
  }
  await store.close();
  return { etc, data, db, runs };
}

async function left(s: Site, job: string): Promise<string[]> {
  const store = new SqliteStore(s.db);
  await store.open();
  try {
    return (await store.listRuns({ jobNames: [job], includeRunning: false, orderBy: 'stop_time', order: 'asc' })).map((r) => r.runId);
  } finally {
    await store.close();
  }
}

describe('dsari prune', () => {
  it('--dry-run says what would go; prune removes it and prints the summary; --job limits it', async () => {
    const s = await site('retention: {keep_runs: 2}\njobs:\n  a: {command: [/bin/true]}\n  b: {command: [/bin/true]}\n', { a: 5, b: 4 });
    const dry = await runCli('dsari', ['prune', '-c', s.etc, '--dry-run']);
    expect(dry).toMatchObject({ code: 0, stderr: '' });
    expect(dry.stdout).toBe('Would remove 5 run(s), freeing 80 B (80 bytes)\nWould compress 0 output(s) holding 0 B\n');
    expect(await left(s, 'a')).toHaveLength(5);
    const onlyB = await runCli('dsari', ['prune', '-c', s.etc, '--job', 'b']);
    expect(onlyB.stdout).toBe('Removed 2 run(s), freed 32 B (32 bytes)\nCompressed 0 output(s), saved 0 B\n');
    expect(await left(s, 'a')).toEqual(s.runs['a']);
    expect(await left(s, 'b')).toEqual(s.runs['b']!.slice(2));
    // a run directory removed by hand before prune: its row still goes
    rmSync(join(s.data, 'runs', 'a', s.runs['a']![0]!), { recursive: true });
    const all = await runCli('dsari', ['prune', '-c', s.etc]);
    expect(all).toMatchObject({ code: 0, stderr: '' });
    expect(all.stdout).toBe('Removed 3 run(s), freed 32 B (32 bytes)\nCompressed 0 output(s), saved 0 B\n1 run directory was already gone\n');
    expect(await left(s, 'a')).toEqual(s.runs['a']!.slice(3));
    expect(readdirSync(join(s.data, 'runs', 'a')).sort()).toEqual(s.runs['a']!.slice(3).sort());
  });

  it('shows a progress bar on a terminal only', async () => {
    const s = await site('retention: {keep_runs: 1}\njobs:\n  a: {command: [/bin/true]}\n', { a: 30 });
    // script(1) gives the command a pseudo-terminal; its output is what the terminal showed
    const cli = join(ROOT, 'dist', 'cli', 'dsari.js');
    const tty = spawnSync('script', ['-qec', `${process.execPath} ${cli} prune -c ${s.etc}`, '/dev/null'], { encoding: 'utf8', env: { ...process.env, COLUMNS: '100' } });
    expect(tty.status).toBe(0);
    expect(tty.stdout).toMatch(/Pruning \[[=\- ]+\] 29\/29 runs/);
    expect(tty.stdout).toContain('Removed 29 run(s)');
    expect(await left(s, 'a')).toEqual(s.runs['a']!.slice(29));
  });

  it('a second prune while one holds the lock is refused; two at once leave the right runs', async () => {
    const s = await site('retention: {keep_runs: 10}\njobs:\n  a: {command: [/bin/true]}\n', { a: 300 });
    // a live process (this test) holds the lock
    writeFileSync(join(s.data, 'prune.lock'), `${process.pid}\n`);
    const busy = await runCli('dsari', ['prune', '-c', s.etc]);
    expect(busy.code).toBe(1);
    expect(busy.stderr).toContain(`another prune is running (PID ${process.pid} holds ${s.data}/prune.lock)`);
    expect(await left(s, 'a')).toHaveLength(300);
    // a lock left by a dead process is taken over
    const dead = spawnSync('/bin/true').pid!;
    writeFileSync(join(s.data, 'prune.lock'), `${dead}\n`);
    const [x, y] = await Promise.all([runCli('dsari', ['prune', '-c', s.etc]), runCli('dsari', ['prune', '-c', s.etc])]);
    const ok = [x, y].filter((r) => r.code === 0);
    expect(ok.length).toBeGreaterThanOrEqual(1);
    for (const r of [x, y]) if (r.code !== 0) expect(r.stderr).toContain('another prune is running');
    expect(ok.map((r) => r.stdout).join('')).toContain('Removed 290 run(s)');
    expect(await left(s, 'a')).toEqual(s.runs['a']!.slice(290));
    expect(existsSync(join(s.data, 'prune.lock'))).toBe(false);
  });

  it('compressed outputs are read back by dsari-info run output and dsari-render', async () => {
    const text = (i: number): string => `line one of ${i}\nline two ✓\n`.repeat(50);
    const s = await site('retention: {compress_after: 2.5}\njobs:\n  a: {command: [/bin/true]}\n', { a: 4 }, { output: text });
    const r = await runCli('dsari', ['prune', '-c', s.etc]);
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout).toMatch(/^Removed 0 run\(s\), freed 0 B \(0 bytes\)\nCompressed 2 output\(s\), saved \d+\.\d KB\n$/);
    const [old, , young] = s.runs['a']!;
    expect(readdirSync(join(s.data, 'runs', 'a', old!))).toEqual(['output.txt.gz']);
    expect(readdirSync(join(s.data, 'runs', 'a', young!))).toEqual(['output.txt']);
    const out = await runCli('dsari-info', ['-c', s.etc, 'run', 'output', old!]);
    expect(out).toMatchObject({ code: 0, stdout: text(0) });
    const render = await runCli('dsari-render', ['-c', s.etc]);
    expect(render.code).toBe(0);
    const page = readFileSync(join(s.data, 'html', 'a', old!, 'index.html'), 'utf8');
    expect(page).toContain('line one of 0');
  });

  it('a disk that fills up during compression: output.txt is kept whole, no temporary file is left, the problem is reported', async (ctx) => {
    const mnt = makeTempDir('dsari-prune-tmpfs-');
    cleanups.push(mnt.cleanup);
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', mnt.path], { stdio: 'pipe' });
    } catch (err) {
      console.warn(`SKIPPING the disk-full test: cannot mount a tmpfs here (${String(err).split('\n')[0]})`);
      return ctx.skip();
    }
    cleanups.push(() => void execFileSync('umount', [mnt.path]));
    // 600 KB of random bytes per output does not compress: the second .gz cannot fit
    const data = join(mnt.path, 'var');
    const bodies = [randomBytes(300 * 1024), randomBytes(300 * 1024), randomBytes(300 * 1024)];
    const s = await site('retention: {compress_after: 0}\njobs:\n  a: {command: [/bin/true]}\n', { a: 3 }, { dataDir: data, output: (i) => bodies[i]! });
    const r = await runCli('dsari', ['prune', '-c', s.etc]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/ERROR: \[a \S+\] cannot compress \S+output\.txt \(the disk is full\): .*ENOSPC.*; output\.txt is kept/);
    expect(r.stderr).toContain('Output compression stopped for this pass: the disk is full');
    for (const [i, runId] of s.runs['a']!.entries()) {
      const dir = join(data, 'runs', 'a', runId);
      const files = readdirSync(dir);
      expect(files.filter((f) => f.startsWith('.output'))).toEqual([]);
      if (files.includes('output.txt')) expect(readFileSync(join(dir, 'output.txt')).equals(bodies[i]!)).toBe(true);
      else expect(files).toEqual(['output.txt.gz']);
    }
    expect(s.runs['a']!.filter((id) => existsSync(join(data, 'runs', 'a', id, 'output.txt'))).length).toBeGreaterThanOrEqual(1);
  });
});
