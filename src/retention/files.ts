/**
 * The files of retention: a removed run's directory and rendered pages (with the bytes they
 * held), and output compression. All asynchronous, so that the daemon's event loop keeps
 * starting runs on time while retention works.
 *
 * Compression writes `output.txt.gz` beside under a temporary name, makes it durable, renames it
 * into place and only then removes `output.txt` (readers look for the plain file first, then
 * `.gz`), so a crash or a full disk at any point loses nothing: the temporary file is removed
 * and `output.txt` stays.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { lstat, open, readdir, rename, rm, rmdir, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { DsariError, errorMessage } from '../errors.js';

/** Where a run's files are: its run directory and its rendered page directory. */
export function runPaths(dataDir: string, jobName: string, runId: string): { runDir: string; pageDir: string } {
  return { runDir: join(dataDir, 'runs', jobName, runId), pageDir: join(dataDir, 'html', jobName, runId) };
}

export interface RemovedFiles {
  readonly bytes: number;
  /** The run directory was already gone (removed by hand). */
  readonly missing: boolean;
}

/** Removes a run's directory and rendered pages; `dryRun` only measures them. */
export async function removeRunFiles(dataDir: string, jobName: string, runId: string, dryRun: boolean): Promise<RemovedFiles> {
  const { runDir, pageDir } = runPaths(dataDir, jobName, runId);
  const run = await removeTree(runDir, dryRun);
  const page = await removeTree(pageDir, dryRun);
  return { bytes: (run ?? 0) + (page ?? 0), missing: run === null };
}

/** Bytes of the files under `dir`, removed unless `dryRun`; null if `dir` does not exist. */
async function removeTree(dir: string, dryRun: boolean): Promise<number | null> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return null;
    if (code !== 'ENOTDIR') throw err;
    const size = (await lstat(dir)).size;
    if (!dryRun) await unlinkIfThere(dir);
    return size;
  }
  let bytes = 0;
  for (const e of entries) {
    const path = join(dir, e.name);
    if (e.isDirectory()) bytes += (await removeTree(path, dryRun)) ?? 0;
    else {
      if (e.isFile()) bytes += (await lstat(path)).size;
      if (!dryRun) await unlinkIfThere(path);
    }
  }
  if (!dryRun) await rmdir(dir);
  return bytes;
}

/** Compression could not be done (disk full …); output.txt is untouched. */
export class CompressionError extends DsariError {
  constructor(
    message: string,
    readonly diskFull: boolean,
    options: { cause?: unknown } = {},
  ) {
    super('E_COMPRESS', message, options);
  }
}

/**
 * Compresses RUN_DIR/output.txt into output.txt.gz: whether there was a plain output to
 * compress, and the bytes saved. `dryRun`: nothing written; `saved` is the size of output.txt.
 * @throws CompressionError
 */
export async function compressOutput(runDir: string, dryRun: boolean): Promise<{ compressed: boolean; saved: number }> {
  const plain = join(runDir, 'output.txt');
  const gz = join(runDir, 'output.txt.gz');
  let size: number;
  try {
    size = (await stat(plain)).size;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { compressed: false, saved: 0 };
    throw new CompressionError(`cannot read ${plain}: ${errorMessage(err)}`, false, { cause: err });
  }
  const done = await stat(gz).then(
    () => true,
    () => false,
  );
  if (dryRun) return { compressed: true, saved: size };
  if (done) {
    // A crash after the rename left both: the .gz is complete.
    await unlinkIfThere(plain);
    return { compressed: true, saved: size };
  }
  const tmp = join(runDir, `.output.txt.gz.tmp-${process.pid}`);
  try {
    await pipeline(createReadStream(plain), createGzip(), createWriteStream(tmp));
    const fh = await open(tmp, 'r');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, gz);
  } catch (err) {
    await rm(tmp, { force: true });
    const code = (err as NodeJS.ErrnoException).code;
    const diskFull = code === 'ENOSPC' || code === 'EDQUOT';
    throw new CompressionError(`cannot compress ${plain}${diskFull ? ' (the disk is full)' : ''}: ${errorMessage(err)}; output.txt is kept`, diskFull, { cause: err });
  }
  const gzSize = (await stat(gz)).size;
  await unlinkIfThere(plain);
  return { compressed: true, saved: Math.max(0, size - gzSize) };
}

/** Removes a file; one already gone (another pass removed it) is fine. */
async function unlinkIfThere(path: string): Promise<void> {
  try {
    await unlink(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}
