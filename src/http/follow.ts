/**
 * Following a run's output as server-sent events (SPEC-BEYOND §13.1): what is already written,
 * then each new chunk as the run writes it, then an `end` event with the exit code. A finished
 * run gets all of its output and the `end` at once.
 *
 * Events: `output` (data: the chunk as a JSON string; id: the byte offset after it, so a client
 * reconnecting with Last-Event-ID continues where it was), `end` (data: {"exit_code", "status"}).
 * New bytes are noticed through file-system notification on the output file, with a short poll
 * as the safety net.
 */
import { type FSWatcher, watch } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import type { ServerResponse } from 'node:http';
import { runDirOf } from '../daemon/paths.js';
import { errorMessage } from '../errors.js';
import type { Logger } from '../log.js';
import { openRunOutput, OutputError } from '../report/output.js';
import type { RunRecord } from '../store/types.js';
import type { DaemonControl } from './control-port.js';
import { runStatus } from './model.js';

const CHUNK = 64 * 1024;
/** Safety-net poll of the output file (notification normally comes first). */
const POLL_MS = 250;
const HEARTBEAT_MS = 15_000;
/** How long the end waits for the run's record (for its final status) after the process ended. */
const RECORD_WAIT_MS = 3_000;

/** Open followers, for the metrics and for closing them at shutdown. */
export const followers = new Set<ServerResponse>();

function writeEvent(raw: ServerResponse, event: string, data: string, id?: number): Promise<void> {
  // A client gone already: its 'close' has been emitted, so nothing would ever wake a wait for it.
  if (raw.destroyed || raw.writableEnded) return Promise.resolve();
  const text = `${id === undefined ? '' : `id: ${id}\n`}event: ${event}\ndata: ${data}\n\n`;
  if (raw.write(text) || raw.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      raw.off('drain', done);
      raw.off('close', done);
      resolve();
    };
    raw.on('drain', done);
    raw.on('close', done);
  });
}

/** Starts the event stream on `raw` (headers written) and follows `run` until it ends or the client leaves. */
export async function followRun(raw: ServerResponse, control: DaemonControl, run: RunRecord, fromOffset: number, log: Logger): Promise<void> {
  raw.writeHead(200, {
    'Content-Type': 'text/event-stream; charset=utf-8',
    'Cache-Control': 'no-store',
    'X-Accel-Buffering': 'no',
    'X-Content-Type-Options': 'nosniff',
  });
  raw.flushHeaders();
  followers.add(raw);
  let closed = false;
  raw.on('close', () => {
    closed = true;
    followers.delete(raw);
  });
  const heartbeat = setInterval(() => {
    if (!closed) raw.write(': keep-alive\n\n');
  }, HEARTBEAT_MS);
  // Followers never keep the daemon alive by themselves (its shutdown closes them).
  heartbeat.unref();
  try {
    if (run.running) await followRunning(raw, control, run, fromOffset, () => closed);
    else await sendFinished(raw, control, run, () => closed);
  } catch (err) {
    log.warning(`[${run.jobName} ${run.runId}] HTTP: following the output failed: ${errorMessage(err)}`);
    if (!closed) await writeEvent(raw, 'error', JSON.stringify({ message: errorMessage(err) }));
  } finally {
    clearInterval(heartbeat);
    followers.delete(raw);
    if (!closed) raw.end();
  }
}

async function sendEnd(raw: ServerResponse, run: Pick<RunRecord, 'exitCode' | 'running' | 'runData'>): Promise<void> {
  await writeEvent(raw, 'end', JSON.stringify({ exit_code: run.exitCode, status: runStatus(run.exitCode, false, run.runData['dsari_status']) }));
}

async function sendFinished(raw: ServerResponse, control: DaemonControl, run: RunRecord, isClosed: () => boolean): Promise<void> {
  const dir = runDirOf(control.dataDir, run.jobName, run.runId);
  let offset = 0;
  try {
    const { stream } = await openRunOutput(dir);
    const decoder = new StringDecoder('utf8');
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      if (isClosed()) {
        stream.destroy();
        return;
      }
      offset += chunk.length;
      const text = decoder.write(chunk);
      if (text !== '') await writeEvent(raw, 'output', JSON.stringify(text), offset);
    }
    const rest = decoder.end();
    if (rest !== '') await writeEvent(raw, 'output', JSON.stringify(rest), offset);
  } catch (err) {
    if (!(err instanceof OutputError && err.missing)) throw err;
  }
  if (!isClosed()) await sendEnd(raw, run);
}

async function followRunning(raw: ServerResponse, control: DaemonControl, run: RunRecord, fromOffset: number, isClosed: () => boolean): Promise<void> {
  let ended: { exitCode: number } | null = null;
  let wake: (() => void) | null = null;
  const poke = (): void => {
    const w = wake;
    wake = null;
    w?.();
  };
  const offFinished = control.events.on('runFinished', (e) => {
    if (e.runId !== run.runId) return;
    ended = { exitCode: e.exitCode };
    poke();
  });
  const recorded = control.events.next('recorded', (e) => e.runId === run.runId);
  const file = join(runDirOf(control.dataDir, run.jobName, run.runId), 'output.txt');
  let fh: FileHandle | null = null;
  let watcher: FSWatcher | null = null;
  let offset = fromOffset;
  const decoder = new StringDecoder('utf8');
  const buf = Buffer.alloc(CHUNK);
  let lastStoreCheck = Date.now();
  raw.on('close', poke);
  try {
    for (;;) {
      if (isClosed()) return;
      if (fh === null) {
        try {
          fh = await open(file, 'r');
          watcher = watch(file, () => poke());
          watcher.unref();
          watcher.on('error', () => undefined);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
        }
      }
      let n = 0;
      if (fh !== null) {
        ({ bytesRead: n } = await fh.read(buf, 0, CHUNK, offset));
        if (n > 0) {
          offset += n;
          const text = decoder.write(buf.subarray(0, n));
          if (text !== '') await writeEvent(raw, 'output', JSON.stringify(text), offset);
          continue;
        }
      }
      const end = ended as { exitCode: number } | null;
      if (end !== null) {
        const rest = decoder.end();
        if (rest !== '') await writeEvent(raw, 'output', JSON.stringify(rest), offset);
        // The record says how it ended (cancelled, lost …); the event alone says the exit code.
        const rec = await Promise.race([recorded.then(() => control.store.getRun(run.runId)), new Promise<null>((r) => setTimeout(() => r(null), RECORD_WAIT_MS).unref())]);
        await sendEnd(raw, rec !== null && !rec.running ? rec : { exitCode: end.exitCode, running: false, runData: {} });
        return;
      }
      // A run this daemon does not run (another node, or recorded meanwhile): ask the store now and then.
      if (Date.now() - lastStoreCheck > 2_000) {
        lastStoreCheck = Date.now();
        const rec = await control.store.getRun(run.runId);
        if (rec !== null && !rec.running && !control.runningRuns().some((r) => r.runId === run.runId)) ended = { exitCode: rec.exitCode ?? 0 };
      }
      if (isClosed()) return;
      await new Promise<void>((resolve) => {
        const t = setTimeout(() => {
          wake = null;
          resolve();
        }, POLL_MS);
        wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
    }
  } finally {
    raw.off('close', poke);
    offFinished();
    watcher?.close();
    await fh?.close();
  }
}
