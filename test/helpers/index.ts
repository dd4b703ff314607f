/**
 * Shared test helpers: temp directories, running the built CLI as a user would, waiting for
 * events with deadlines (never fixed sleeps), and daemons that are always cleaned up.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { JobConfig } from '../../src/config/types.js';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const DIST_CLI = join(ROOT, 'dist', 'cli');

/** A fresh temp directory, removed by the returned cleanup (or left with KEEP_TMP=1). */
export function makeTempDir(prefix = 'dsari-test-'): { path: string; cleanup: () => void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return {
    path,
    cleanup: () => {
      if (!process.env['KEEP_TMP']) rmSync(path, { recursive: true, force: true });
    },
  };
}

/** Writes files given as relative path → content under `dir`, creating folders. */
export function writeTree(dir: string, files: Record<string, string>): void {
  for (const [rel, content] of Object.entries(files)) {
    const p = join(dir, rel);
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, content);
  }
}

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  env?: Record<string, string | undefined>;
  cwd?: string;
  input?: string;
  timeoutMs?: number;
}

/** Runs a built bin (`dsari`, `dsari-info`, …) to completion. */
export function runCli(bin: string, args: readonly string[], options: CliOptions = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(DIST_CLI, `${bin}.js`), ...args], {
      env: { ...process.env, ...options.env },
      cwd: options.cwd ?? ROOT,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 30_000);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
    child.stdin.end(options.input ?? '');
  });
}

/**
 * Polls `probe` until it returns a value other than undefined/false/null, or throws after
 * `timeoutMs` with `what` in the message.
 */
export async function waitFor<T>(
  what: string,
  probe: () => T | undefined | null | false | Promise<T | undefined | null | false>,
  { timeoutMs = 20_000, intervalMs = 25 }: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined && v !== null && v !== false) return v;
    } catch (e) {
      lastError = e;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? `: ${String(lastError)}` : ''}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** Every process started through {@link startProcess}, for cleanup and leak checks. */
const live = new Set<ChildProcess>();

/** A long-running process (a daemon, a tail) with its output collected as it arrives. */
export class ManagedProcess {
  stdout = '';
  stderr = '';
  exitCode: number | null = null;
  exitSignal: NodeJS.Signals | null = null;
  readonly exited: Promise<void>;

  constructor(readonly child: ChildProcess) {
    live.add(child);
    child.stdout?.setEncoding('utf8').on('data', (d: string) => (this.stdout += d));
    child.stderr?.setEncoding('utf8').on('data', (d: string) => (this.stderr += d));
    this.exited = new Promise((resolve) => {
      child.on('exit', (code, signal) => {
        this.exitCode = code;
        this.exitSignal = signal;
        live.delete(child);
        resolve();
      });
    });
  }

  get pid(): number {
    if (this.child.pid === undefined) throw new Error('process has no pid');
    return this.child.pid;
  }

  get running(): boolean {
    return this.exitCode === null && this.exitSignal === null;
  }

  /** Waits until stderr (or stdout) contains `text` or matches a regexp. */
  async waitForOutput(pattern: string | RegExp, timeoutMs = 20_000, stream: 'stderr' | 'stdout' = 'stderr'): Promise<void> {
    await waitFor(
      `${String(pattern)} in ${stream} of pid ${this.child.pid}`,
      () => {
        const text = stream === 'stderr' ? this.stderr : this.stdout;
        if (typeof pattern === 'string' ? text.includes(pattern) : pattern.test(text)) return true;
        if (!this.running) throw new Error(`process exited (${this.exitCode ?? this.exitSignal}); stderr:\n${this.stderr}`);
        return false;
      },
      { timeoutMs },
    );
  }

  signal(sig: NodeJS.Signals): void {
    if (this.running) process.kill(this.pid, sig);
  }

  /** Sends `sig` and waits for exit; SIGKILLs after `timeoutMs`. */
  async stop(sig: NodeJS.Signals = 'SIGTERM', timeoutMs = 20_000): Promise<void> {
    if (!this.running) return;
    this.signal(sig);
    const timer = setTimeout(() => this.signal('SIGKILL'), timeoutMs);
    await this.exited;
    clearTimeout(timer);
  }
}

/** Starts a built bin as a long-running process. */
export function startProcess(bin: string, args: readonly string[], options: CliOptions = {}): ManagedProcess {
  const child = spawn(process.execPath, [join(DIST_CLI, `${bin}.js`), ...args], {
    env: { ...process.env, ...options.env },
    cwd: options.cwd ?? ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new ManagedProcess(child);
}

/**
 * Kills (SIGKILL) every process started here that is still alive and returns how many there
 * were. Use in afterEach: `expect(await killLeftovers()).toBe(0)` fails a test that leaves a
 * daemon behind.
 */
export async function killLeftovers(): Promise<number> {
  const left = [...live];
  for (const child of left) {
    if (child.pid !== undefined) {
      try {
        process.kill(child.pid, 'SIGKILL');
      } catch {
        // already gone between the check and the kill: nothing to clean up
      }
    }
  }
  await Promise.all(left.map((c) => new Promise<void>((r) => (c.exitCode !== null || c.signalCode !== null ? r() : c.on('exit', () => r())))));
  return left.length;
}

/** SIGKILLs these process groups (runs a test left behind on purpose) and empties the list. */
export function killProcessGroups(pgids: number[]): void {
  for (const pgid of pgids.splice(0)) {
    try {
      process.kill(-pgid, 'SIGKILL');
    } catch {
      // The group has already ended: nothing to clean up.
    }
  }
}

/** True if a process with this PID exists (signal 0). */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A job config with the defaults of SPEC §3, for unit tests that need a JobConfig. */
export function jobConfig(name: string, overrides: Partial<JobConfig> = {}): JobConfig {
  return {
    name,
    command: ['/bin/true'],
    commandAppendRun: false,
    schedule: null,
    scheduleTimezone: null,
    environment: {},
    maxExecution: null,
    maxExecutionGrace: 60,
    concurrencyGroups: [],
    renderReports: true,
    jenkinsEnvironment: false,
    jobGroup: null,
    concurrentRuns: false,
    ...overrides,
  };
}
