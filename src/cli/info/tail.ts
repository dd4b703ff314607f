/**
 * `dsari-info run tail [RUN_ID…]` (SPEC §9): follows the output files of running runs as they
 * grow. Without run ids it follows every running run and picks up runs that start later (the
 * store is polled); with run ids it ends (exit 0) once all of them have finished and their output
 * has been printed. Ctrl-C / SIGTERM end it cleanly (exit 0). Lines are prefixed with
 * `[JOB RUN_ID]` when more than one run may be followed.
 */
import { watch, type FSWatcher } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { UsageError } from '../../errors.js';
import { readRunOutputIfExists, runDirectory } from '../../report/output.js';
import type { RunStore } from '../../store/types.js';
import type { CliContext } from '../context.js';
import { withOutput, type OutputSink } from '../output.js';
import { ControlStripper } from '../sanitise.js';

export interface TailOptions {
  /** Lines of already written output to show first for runs running when tail starts. */
  readonly lines: number;
  /** How often output files are checked (besides file-system notifications). @default 250 */
  readonly filePollMs?: number;
  /** How often the store is asked which runs are running. @default 500 */
  readonly storePollMs?: number;
}

const READ_CHUNK = 1 << 20;

/** Byte offset where the last `lines` lines of `path` begin (a final newline does not count). */
async function lastLinesOffset(path: string, lines: number): Promise<number> {
  const fh = await open(path, 'r');
  try {
    const size = (await fh.stat()).size;
    if (lines === 0) return size;
    let end = size;
    let newlines = 0;
    const block = Buffer.alloc(64 * 1024);
    let first = true;
    while (end > 0) {
      const start = Math.max(0, end - block.length);
      const { bytesRead } = await fh.read(block, 0, end - start, start);
      for (let i = bytesRead - 1; i >= 0; i--) {
        if (block[i] !== 0x0a) continue;
        if (first && start + i === size - 1) continue; // the newline ending the last line
        if (++newlines === lines) return start + i + 1;
      }
      first = false;
      end = start;
    }
    return 0;
  } finally {
    await fh.close();
  }
}

function lastLines(data: Buffer, lines: number): Buffer {
  if (lines === 0) return Buffer.alloc(0);
  let newlines = 0;
  for (let i = data.length - 1; i >= 0; i--) {
    if (data[i] !== 0x0a || i === data.length - 1) continue;
    if (++newlines === lines) return data.subarray(i + 1);
  }
  return data;
}

class FollowedRun {
  offset = 0;
  finished = false;
  private partial: Buffer = Buffer.alloc(0);
  readonly path: string;

  constructor(
    readonly jobName: string,
    readonly runId: string,
    readonly dir: string,
    private readonly out: OutputSink,
    private readonly prefix: string | null,
    private readonly stripper: ControlStripper | null,
  ) {
    this.path = join(dir, 'output.txt');
  }

  /** Writes bytes of this run's output, line-prefixed when several runs are followed. */
  async emit(data: Buffer): Promise<void> {
    const clean = this.stripper ? this.stripper.push(data) : data;
    if (this.prefix === null) {
      await this.out.write(clean);
      return;
    }
    let buf: Buffer = this.partial.length > 0 ? Buffer.concat([this.partial, clean]) : clean;
    const lastNl = buf.lastIndexOf(0x0a);
    if (lastNl === -1) {
      this.partial = buf;
      return;
    }
    this.partial = Buffer.from(buf.subarray(lastNl + 1));
    buf = buf.subarray(0, lastNl + 1);
    const parts: Buffer[] = [];
    const prefix = Buffer.from(this.prefix);
    let start = 0;
    while (start < buf.length) {
      const nl = buf.indexOf(0x0a, start);
      parts.push(prefix, buf.subarray(start, nl + 1));
      start = nl + 1;
    }
    await this.out.write(Buffer.concat(parts));
  }

  /** Ends a partial last line. */
  async flush(): Promise<void> {
    if (this.stripper) {
      const rest = this.stripper.flush();
      if (rest.length > 0) await this.emit(rest);
    }
    if (this.prefix !== null && this.partial.length > 0) {
      const line = this.partial;
      this.partial = Buffer.alloc(0);
      await this.out.write(Buffer.concat([Buffer.from(this.prefix), line, Buffer.from('\n')]));
    }
  }

  /** Reads and emits what was appended to output.txt since the last call. */
  async pump(): Promise<void> {
    let size: number;
    try {
      size = (await stat(this.path)).size;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ENOTDIR') return;
      throw err;
    }
    if (size < this.offset) this.offset = 0; // truncated or replaced: start over
    if (size === this.offset) return;
    const fh = await open(this.path, 'r');
    try {
      while (this.offset < size && !this.out.closed) {
        const buf = Buffer.alloc(Math.min(READ_CHUNK, size - this.offset));
        const { bytesRead } = await fh.read(buf, 0, buf.length, this.offset);
        if (bytesRead === 0) break;
        this.offset += bytesRead;
        await this.emit(buf.subarray(0, bytesRead));
      }
    } finally {
      await fh.close();
    }
  }

  /** After the run finished: the rest of its output, also if it was compressed meanwhile. */
  async finish(): Promise<void> {
    await this.pump();
    try {
      await stat(this.path);
    } catch {
      // output.txt is gone (compressed to .gz/.xz after the run): read the rest from there
      const all = await readRunOutputIfExists(this.dir);
      if (all !== null && all.length > this.offset) await this.emit(all.subarray(this.offset));
    }
    await this.flush();
    this.finished = true;
  }
}

/** Follows runs until they end (named) or until a signal (all). */
export async function tailRuns(ctx: CliContext, store: RunStore, runIds: readonly string[], options: TailOptions): Promise<void> {
  const named = runIds.length > 0;
  const initial = named ? await Promise.all(runIds.map(async (id) => ({ id, run: await store.getRun(id) }))) : [];
  for (const { id, run } of initial) if (run === null) throw new UsageError(`cannot find run ID ${id}`);
  const prefixed = !named || new Set(runIds).size > 1;

  await withOutput(
    async (out) => {
      const followed = new Map<string, FollowedRun>();
      const watchers = new Map<string, FSWatcher>();
      let wake: (() => void) | null = null;
      const nudge = (): void => {
        wake?.();
      };
      const add = (jobName: string, runId: string): FollowedRun => {
        const dir = runDirectory(ctx.config.dataDir, jobName, runId);
        const prefix = prefixed ? `[${out.palette.job(jobName)} ${runId}] ` : null;
        const f = new FollowedRun(jobName, runId, dir, out, prefix, out.terminal.isTty ? new ControlStripper() : null);
        followed.set(runId, f);
        try {
          const w = watch(dir, { persistent: false }, nudge);
          w.on('error', () => w.close());
          watchers.set(runId, w);
        } catch (err) {
          // The directory may not exist yet; polling covers it.
          ctx.log.debug(`cannot watch ${dir}: ${(err as Error).message}`);
        }
        return f;
      };
      const drop = (runId: string): void => {
        watchers.get(runId)?.close();
        watchers.delete(runId);
        followed.delete(runId);
      };

      let stopping = false;
      const onSignal = (): void => {
        stopping = true;
        nudge();
      };
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
      try {
        // Runs given by id: finished ones show their last lines and are done at once.
        for (const { run } of initial) {
          if (run === null || followed.has(run.runId)) continue;
          if (!run.running) {
            const data = await readRunOutputIfExists(runDirectory(ctx.config.dataDir, run.jobName, run.runId));
            const f = add(run.jobName, run.runId);
            if (data !== null) await f.emit(lastLines(data, options.lines));
            await f.flush();
            drop(run.runId);
            continue;
          }
          const f = add(run.jobName, run.runId);
          f.offset = await lastLinesOffset(f.path, options.lines).catch(() => 0);
        }
        let pending = new Set(initial.filter((i) => i.run?.running).map((i) => i.id));
        let firstPoll = true;
        let lastStorePoll = 0;
        const storePollMs = options.storePollMs ?? 500;
        const filePollMs = options.filePollMs ?? 250;
        while (!stopping && !out.closed) {
          if (performance.now() - lastStorePoll >= storePollMs) {
            lastStorePoll = performance.now();
            const running = await store.listRunning();
            const runningIds = new Set(running.map((r) => r.runId));
            if (!named) {
              for (const r of running) {
                if (followed.has(r.runId)) continue;
                const f = add(r.jobName, r.runId);
                // Runs running when tail starts show their last lines; later ones from the start.
                if (firstPoll) f.offset = await lastLinesOffset(f.path, options.lines).catch(() => 0);
              }
            }
            for (const f of [...followed.values()]) {
              if (runningIds.has(f.runId)) continue;
              await f.finish();
              drop(f.runId);
              pending.delete(f.runId);
            }
            pending = new Set([...pending].filter((id) => followed.has(id)));
            firstPoll = false;
            if (named && pending.size === 0) break;
          }
          for (const f of followed.values()) await f.pump();
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, filePollMs);
            wake = () => {
              clearTimeout(timer);
              resolve();
            };
          });
          wake = null;
        }
        for (const f of followed.values()) await f.flush();
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
        for (const w of watchers.values()) w.close();
      }
    },
    { pager: false },
  );
}
