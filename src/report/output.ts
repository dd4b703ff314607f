/**
 * Reading a run's output (SPEC §2): `RUN_DIR/output.txt`, or the compressed `output.txt.gz` /
 * `output.txt.xz`. Every reader (info, render, exporter) goes through here so that all three
 * forms are read alike.
 *
 * Node has gzip built in but no xz decoder: `.xz` is decoded by the `xz` program (xz-utils,
 * present on every Debian-like system; see docs/DEPENDENCIES.md). Without it, reading an `.xz`
 * output fails with an {@link OutputError} that says so.
 */
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, constants, createReadStream, openSync, readFileSync, statSync, type Stats } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough, type Readable } from 'node:stream';
import { createGunzip, gunzipSync } from 'node:zlib';
import { DsariError } from '../errors.js';

/** How an output file is stored. */
export type OutputCompression = 'none' | 'gzip' | 'xz';

/** The output file of a run as found on disk. */
export interface OutputFile {
  readonly path: string;
  readonly compression: OutputCompression;
  /** Size on disk in bytes (compressed size for .gz/.xz). */
  readonly size: number;
  /** Modification time, epoch seconds. */
  readonly mtime: number;
}

/**
 * The names an output file may have, in the order they are looked for: the plain file first (a
 * running run writes it; if a compressor has not yet removed it, it is still complete).
 */
export const OUTPUT_FILE_NAMES: readonly { readonly name: string; readonly compression: OutputCompression }[] = [
  { name: 'output.txt', compression: 'none' },
  { name: 'output.txt.gz', compression: 'gzip' },
  { name: 'output.txt.xz', compression: 'xz' },
];

/** The program that decodes `.xz`; `DSARI_XZ` overrides it (tests use it to simulate its absence). */
function xzProgram(): string {
  return process.env['DSARI_XZ'] ?? 'xz';
}

/** A run's output cannot be found or read. `missing` is true when no output file exists at all. */
export class OutputError extends DsariError {
  readonly runDir: string;
  readonly missing: boolean;
  constructor(message: string, context: { runDir: string; missing?: boolean }, options: { cause?: unknown } = {}) {
    super(context.missing ? 'E_OUTPUT_MISSING' : 'E_OUTPUT', message, options);
    this.runDir = context.runDir;
    this.missing = context.missing ?? false;
  }
}

export { runDirectory } from './run-directory.js';

function toOutputFile(path: string, compression: OutputCompression, st: Stats): OutputFile {
  return { path, compression, size: st.size, mtime: st.mtimeMs / 1000 };
}

function isMissing(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

/**
 * The run's output file, or null when the run has none (yet).
 * @throws OutputError when the directory cannot be read for another reason (permissions …)
 */
export async function findOutputFile(runDir: string): Promise<OutputFile | null> {
  for (const { name, compression } of OUTPUT_FILE_NAMES) {
    const path = join(runDir, name);
    try {
      const st = await stat(path);
      if (st.isFile()) return toOutputFile(path, compression, st);
    } catch (err) {
      if (!isMissing(err)) throw new OutputError(`cannot read ${path}: ${(err as Error).message}`, { runDir }, { cause: err });
    }
  }
  return null;
}

/** Synchronous {@link findOutputFile}. */
export function findOutputFileSync(runDir: string): OutputFile | null {
  for (const { name, compression } of OUTPUT_FILE_NAMES) {
    const path = join(runDir, name);
    try {
      const st = statSync(path);
      if (st.isFile()) return toOutputFile(path, compression, st);
    } catch (err) {
      if (!isMissing(err)) throw new OutputError(`cannot read ${path}: ${(err as Error).message}`, { runDir }, { cause: err });
    }
  }
  return null;
}

function missingError(runDir: string): OutputError {
  return new OutputError(`no output file in ${runDir} (looked for output.txt, output.txt.gz, output.txt.xz)`, {
    runDir,
    missing: true,
  });
}

function readError(file: OutputFile, err: unknown): OutputError {
  const dir = join(file.path, '..');
  if (err instanceof OutputError) return err;
  const e = err as NodeJS.ErrnoException;
  if (file.compression === 'gzip' && typeof e.code === 'string' && e.code.startsWith('Z_')) {
    return new OutputError(`${file.path}: not valid gzip data (${e.message})`, { runDir: dir }, { cause: err });
  }
  return new OutputError(`cannot read ${file.path}: ${e.message}`, { runDir: dir }, { cause: err });
}

function xzMissingError(file: OutputFile, err: unknown): OutputError {
  return new OutputError(
    `cannot read ${file.path}: reading .xz output needs the "${xzProgram()}" program (Debian package xz-utils), which was not found`,
    { runDir: join(file.path, '..') },
    { cause: err },
  );
}

function xzFailedError(file: OutputFile, status: string, stderr: string): OutputError {
  const detail = stderr.trim().split('\n').pop() ?? '';
  return new OutputError(`${file.path}: not valid xz data (xz ${status}${detail ? `: ${detail}` : ''})`, {
    runDir: join(file.path, '..'),
  });
}

/**
 * The decoded content of one output file.
 * @throws OutputError when it cannot be read or decoded
 */
export async function readOutputFile(file: OutputFile): Promise<Buffer> {
  if (file.compression === 'xz') {
    const chunks: Buffer[] = [];
    const stream = openOutputFile(file);
    try {
      for await (const chunk of stream) chunks.push(chunk as Buffer);
    } catch (err) {
      throw readError(file, err);
    }
    return Buffer.concat(chunks);
  }
  try {
    const raw = await readFile(file.path);
    return file.compression === 'gzip' ? gunzipSync(raw) : raw;
  } catch (err) {
    throw readError(file, err);
  }
}

/** Synchronous {@link readOutputFile}. */
export function readOutputFileSync(file: OutputFile): Buffer {
  if (file.compression === 'xz') {
    const r = spawnSync(xzProgram(), ['-dc', '--', file.path], { maxBuffer: 2 ** 31 - 1 });
    if (r.error) {
      if (isMissing(r.error)) throw xzMissingError(file, r.error);
      throw readError(file, r.error);
    }
    if (r.status !== 0) throw xzFailedError(file, r.signal ? `killed by ${r.signal}` : `exit status ${r.status}`, r.stderr.toString());
    return r.stdout;
  }
  try {
    const raw = readFileSync(file.path);
    return file.compression === 'gzip' ? gunzipSync(raw) : raw;
  } catch (err) {
    throw readError(file, err);
  }
}

/**
 * A stream of the decoded content of one output file. Errors (corrupt data, missing `xz`) are
 * emitted on the stream as {@link OutputError}s.
 */
export function openOutputFile(file: OutputFile): Readable {
  if (file.compression !== 'xz') {
    // Errors of the source (and of gunzip) are wrapped, so readers see which file failed and why.
    const result = new PassThrough();
    const src = createReadStream(file.path);
    const fail = (err: Error): void => {
      if (!result.destroyed) result.destroy(readError(file, err));
    };
    src.on('error', fail);
    if (file.compression === 'gzip') {
      const gunzip = createGunzip();
      gunzip.on('error', (err) => {
        src.destroy();
        fail(err);
      });
      src.pipe(gunzip).pipe(result);
    } else {
      src.pipe(result);
    }
    result.on('close', () => src.destroy());
    return result;
  }
  const result = new PassThrough();
  const child = spawn(xzProgram(), ['-dc', '--', file.path], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  child.on('error', (err) => {
    result.destroy(isMissing(err) ? xzMissingError(file, err) : readError(file, err));
  });
  child.stdout.pipe(result, { end: false });
  // 'close' comes after stdout has ended, so every byte has been handed on by then.
  child.on('close', (code, signal) => {
    if (result.destroyed) return;
    if (code === 0) result.end();
    else result.destroy(xzFailedError(file, signal ? `killed by ${signal}` : `exit status ${code}`, stderr));
  });
  // A reader that stops early (pager quit) must not leave xz running.
  result.on('close', () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  });
  return result;
}

/**
 * The whole decoded output of the run in `runDir`.
 * @throws OutputError (`missing` true) when the run has no output file; OutputError when it
 *   cannot be read or decoded
 */
export async function readRunOutput(runDir: string): Promise<Buffer> {
  // The file may be compressed (renamed) between finding and reading it: look again once.
  for (let attempt = 0; ; attempt++) {
    const file = await findOutputFile(runDir);
    if (file === null) throw missingError(runDir);
    try {
      return await readOutputFile(file);
    } catch (err) {
      if (attempt === 0 && isMissing((err as OutputError).cause)) continue;
      throw err;
    }
  }
}

/** Synchronous {@link readRunOutput}. */
export function readRunOutputSync(runDir: string): Buffer {
  // Most runs have a plain output.txt: read it at once, without looking for it first (a report
  // of 200,000 runs: ~0.7 s of stats). Only a file read whole and not empty is taken so (opened
  // non-blocking: a FIFO of that name cannot hang the reader); anything else (no such file, a
  // directory, an error, an empty file) goes the way below, which says what it always said.
  try {
    const fd = openSync(join(runDir, 'output.txt'), constants.O_RDONLY | constants.O_NONBLOCK);
    try {
      const bytes = readFileSync(fd);
      if (bytes.length > 0) return bytes;
    } finally {
      closeSync(fd);
    }
  } catch {
    // looked for below
  }
  for (let attempt = 0; ; attempt++) {
    const file = findOutputFileSync(runDir);
    if (file === null) throw missingError(runDir);
    try {
      return readOutputFileSync(file);
    } catch (err) {
      if (attempt === 0 && isMissing((err as OutputError).cause)) continue;
      throw err;
    }
  }
}

/** Synchronous {@link readRunOutputIfExists}. @throws OutputError */
export function readRunOutputIfExistsSync(runDir: string): Buffer | null {
  try {
    return readRunOutputSync(runDir);
  } catch (err) {
    if (err instanceof OutputError && err.missing) return null;
    throw err;
  }
}

/** The decoded output, or null when the run has no output file. @throws OutputError */
export async function readRunOutputIfExists(runDir: string): Promise<Buffer | null> {
  try {
    return await readRunOutput(runDir);
  } catch (err) {
    if (err instanceof OutputError && err.missing) return null;
    throw err;
  }
}

/**
 * A stream of the run's decoded output (for large outputs: nothing is held in memory whole).
 * @throws OutputError (`missing` true) when the run has no output file
 */
export async function openRunOutput(runDir: string): Promise<{ file: OutputFile; stream: Readable }> {
  const file = await findOutputFile(runDir);
  if (file === null) throw missingError(runDir);
  return { file, stream: openOutputFile(file) };
}
