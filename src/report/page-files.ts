/**
 * Writing report files under DATA_DIR/html: atomically (temp file + rename, so a web server
 * never serves half a page), gzip-compressed when `report_html_gz` is set.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { mkdir, writeFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { gzip, gzipSync } from 'node:zlib';

const gzipAsync = promisify(gzip);

/** File name of a page in its directory: `index.html` or `index.html.gz`. */
export function pageFileName(gz: boolean): string {
  return gz ? 'index.html.gz' : 'index.html';
}

/** Path of the page in `dir` (a directory under the html root). */
export function pagePath(dir: string, gz: boolean): string {
  return join(dir, pageFileName(gz));
}

/** True if the page for `dir` exists. */
export function pageExists(dir: string, gz: boolean): boolean {
  return existsSync(pagePath(dir, gz));
}

let tmpCounter = 0;

/** Writes `content` to `path` atomically, creating parent directories. */
export function writeFileAtomic(path: string, content: string | Buffer): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}-${tmpCounter++}`;
  writeFileSync(tmp, content);
  renameSync(tmp, path);
}

/**
 * Writes the page for `dir` atomically (index and job pages, rewritten while a web server may
 * serve them); returns its path.
 */
export function writePage(dir: string, html: string, gz: boolean): string {
  const path = pagePath(dir, gz);
  writeFileAtomic(path, gz ? gzipSync(Buffer.from(html, 'utf8')) : html);
  return path;
}

/**
 * Writes a run page (written once) directly, without a temp file, asynchronously so that many
 * writes overlap with rendering; returns its path.
 */
export async function writePageAsync(dir: string, html: string, gz: boolean): Promise<string> {
  const path = pagePath(dir, gz);
  await mkdir(dir, { recursive: true });
  await writeFile(path, gz ? await gzipAsync(Buffer.from(html, 'utf8')) : html);
  return path;
}

/**
 * Writes a run page (written once) directly, without a temp file, synchronously: for pages of a
 * few KB the synchronous calls cost a fraction of the promise-based ones (no FileHandle, no
 * promise per step), which made up half of a full render's CPU (docs/BENCHMARKS.md, Reports).
 * Returns its path.
 */
export function writeRunPage(dir: string, html: string, gz: boolean): string {
  const path = pagePath(dir, gz);
  mkdirSync(dir, { recursive: true });
  writeFileSync(path, gz ? gzipSync(Buffer.from(html, 'utf8')) : html);
  return path;
}

/** Writes `content` to `path` only if it differs from what is there; returns whether it wrote. */
export function writeIfChanged(path: string, content: string): boolean {
  try {
    if (readFileSync(path, 'utf8') === content) return false;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  writeFileAtomic(path, content);
  return true;
}
