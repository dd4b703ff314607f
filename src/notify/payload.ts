/**
 * What a notification says (SPEC-BEYOND §12.6): the webhook bodies (`json`, `slack`) and the
 * last 4 KB of the run's output that both deliverers pass on.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { findOutputFile, openOutputFile } from '../report/output.js';
import type { RunRecord } from '../store/types.js';

/** Bytes of output passed as OUTPUT_TAIL / output_tail. */
export const OUTPUT_TAIL_BYTES = 4096;

export interface NotificationContext {
  readonly event: string;
  readonly run: RunRecord;
  readonly outputTail: string;
  /** The run's page in the web console; null without `http.public_url`. */
  readonly url: string | null;
}

/** The last `bytes` of the run's output (plain or compressed), as text; '' without output. */
export async function readOutputTail(runDir: string, bytes = OUTPUT_TAIL_BYTES): Promise<string> {
  const file = await findOutputFile(runDir);
  if (file === null) return '';
  let buf: Buffer;
  if (file.compression === 'none') {
    const fd = openSync(file.path, 'r');
    try {
      const size = fstatSync(fd).size;
      const len = Math.min(bytes, size);
      buf = Buffer.alloc(len);
      readSync(fd, buf, 0, len, size - len);
    } finally {
      closeSync(fd);
    }
  } else {
    // Decompressed as a stream, keeping only the end: a huge output costs time, not memory.
    let tail = Buffer.alloc(0);
    for await (const chunk of openOutputFile(file)) {
      tail = Buffer.concat([tail, chunk as Buffer]);
      if (tail.length > bytes * 2) tail = tail.subarray(tail.length - bytes);
    }
    buf = tail.subarray(Math.max(0, tail.length - bytes));
  }
  // A cut through a multi-byte character at the start is dropped, not shown as garbage.
  let start = 0;
  while (start < buf.length && start < 4 && (buf[start]! & 0xc0) === 0x80) start++;
  return buf.subarray(start).toString('utf8');
}

/** The `json` body. Times are epoch seconds; duration in seconds. */
export function jsonBody(ctx: NotificationContext): Record<string, unknown> {
  const r = ctx.run;
  return {
    event: ctx.event,
    job: r.jobName,
    run: {
      run_id: r.runId,
      exit_code: r.exitCode,
      schedule_time: r.scheduleTime,
      start_time: r.startTime,
      stop_time: r.stopTime,
      trigger_type: r.triggerType,
      duration: r.stopTime === null ? null : Math.max(0, r.stopTime - r.startTime),
    },
    output_tail: ctx.outputTail,
    url: ctx.url,
  };
}

/** The `slack` body: one `text`, the output tail in a code block. */
export function slackBody(ctx: NotificationContext): { text: string } {
  const r = ctx.run;
  const duration = r.stopTime === null ? '' : ` after ${(r.stopTime - r.startTime).toFixed(1)} s`;
  const lines = [`dsari: job ${r.jobName}: ${ctx.event.replace('_', ' ')} (run ${r.runId}, exit code ${r.exitCode ?? '?'}${duration})`];
  if (ctx.url !== null) lines.push(ctx.url);
  // Slack ends a code block at ```: the tail must not close it early.
  if (ctx.outputTail !== '') lines.push('```', ctx.outputTail.replace(/```/g, "'''").slice(-3000), '```');
  return { text: lines.join('\n') };
}
