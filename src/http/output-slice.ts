/**
 * Parts of a compressed output (`.gz`, `.xz`) without holding it whole: the decoded stream is read
 * once, and only the bytes asked for are kept (a range, or the last N bytes). A run may write
 * gigabytes; a reader of the API must not make the daemon hold them in memory.
 */
import type { Readable } from 'node:stream';
import { openOutputFile, type OutputFile } from '../report/output.js';

/** The largest part of a compressed output one request may ask for. */
export const MAX_SLICE_BYTES = 16 * 1024 * 1024;

/** Bytes `start`..`end` (inclusive; `end` null = to the end, at most {@link MAX_SLICE_BYTES}) and the decoded size. */
export async function decodedRange(file: OutputFile, start: number, end: number | null): Promise<{ bytes: Buffer; total: number }> {
  const stream: Readable = openOutputFile(file);
  const parts: Buffer[] = [];
  let kept = 0;
  let pos = 0;
  const last = end ?? Number.POSITIVE_INFINITY;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    const from = Math.max(start, pos);
    const to = Math.min(last + 1, pos + chunk.length);
    if (to > from && kept < MAX_SLICE_BYTES) {
      const piece = chunk.subarray(from - pos, to - pos).subarray(0, MAX_SLICE_BYTES - kept);
      parts.push(piece);
      kept += piece.length;
    }
    pos += chunk.length;
  }
  return { bytes: Buffer.concat(parts), total: pos };
}

/** The last `n` decoded bytes (n at most {@link MAX_SLICE_BYTES}) and the decoded size. */
export async function decodedTail(file: OutputFile, n: number): Promise<{ bytes: Buffer; total: number }> {
  const want = Math.min(n, MAX_SLICE_BYTES);
  const stream: Readable = openOutputFile(file);
  let parts: Buffer[] = [];
  let kept = 0;
  let total = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    total += chunk.length;
    parts.push(chunk);
    kept += chunk.length;
    // Drop whole chunks that fall out of the window (the first kept one is trimmed at the end).
    while (parts.length > 1 && kept - (parts[0] as Buffer).length >= want) {
      kept -= (parts[0] as Buffer).length;
      parts = parts.slice(1);
    }
  }
  const all = Buffer.concat(parts);
  return { bytes: all.subarray(Math.max(0, all.length - want)), total };
}
