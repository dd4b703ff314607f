/** A configuration + data directory with runs written the way the original writes them. */
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DIST_CLI, makeTempDir } from '../helpers/index.js';
import { createOriginalDb, type OriginalRun } from './original-db.js';

export interface InfoFixture {
  root: string;
  configDir: string;
  dataDir: string;
  dbFile: string;
  cleanup: () => void;
  /** `-c CONFIG_DIR` plus the arguments. */
  args: (...a: string[]) => string[];
  runDir: (job: string, id: string) => string;
  writeOutput: (job: string, id: string, name: string, data: Buffer | string) => string;
}

export const NOW = Date.now() / 1000;

/** Runs of the standard fixture (times relative to now). */
export const RUNS: OriginalRun[] = [
  { job: 'backup', id: 'aaaaaaaa-0000-4000-8000-000000000001', schedule: NOW - 7200, start: NOW - 7199.5, stop: NOW - 7100, exit: 0 },
  {
    job: 'backup',
    id: 'aaaaaaaa-0000-4000-8000-000000000002',
    schedule: NOW - 3600,
    start: NOW - 3599,
    stop: NOW - 3500.25,
    exit: 3,
    trigger: 'file',
    triggerData: { type: 'manual', description: 'by hand' },
    runData: { return_data: { ok: false } },
  },
  { job: 'lint', id: 'bbbbbbbb-0000-4000-8000-000000000001', schedule: NOW - 600, start: NOW - 599, stop: NOW - 590, exit: 0 },
  { job: 'lint', id: 'bbbbbbbb-0000-4000-8000-000000000002', schedule: NOW - 30, start: NOW - 29.5 },
];

export function makeInfoFixture(runs: readonly OriginalRun[] = RUNS, extraYaml = ''): InfoFixture {
  const tmp = makeTempDir('dsari-info-');
  const configDir = join(tmp.path, 'etc');
  const dataDir = join(tmp.path, 'var');
  mkdirSync(configDir, { recursive: true });
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(
    join(configDir, 'dsari.yaml'),
    `data_dir: ${JSON.stringify(dataDir)}
jobs:
  backup:
    command: [/usr/bin/backup, --all, "two words"]
    schedule: "H H * * *"
  lint:
    command: "make lint"
    schedule: "*/5 * * * *"
  manual:
    command: ["true"]
${extraYaml}`,
  );
  const dbFile = join(dataDir, 'dsari.sqlite3');
  createOriginalDb(dbFile, runs);
  const runDir = (job: string, id: string): string => join(dataDir, 'runs', job, id);
  return {
    root: tmp.path,
    configDir,
    dataDir,
    dbFile,
    cleanup: tmp.cleanup,
    args: (...a) => ['-c', configDir, ...a],
    runDir,
    writeOutput: (job, id, name, data) => {
      mkdirSync(runDir(job, id), { recursive: true });
      const p = join(runDir(job, id), name);
      writeFileSync(p, data);
      return p;
    },
  };
}

/** Like runCli, but stdout as raw bytes (run output need not be UTF-8). */
export function runCliBytes(bin: string, args: readonly string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: Buffer; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(DIST_CLI, `${bin}.js`), ...args], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout: Buffer.concat(out), stderr }));
  });
}
