/**
 * Writing report files under DATA_DIR/html: atomically (temp file + rename, so a web server
 * never serves half a page), gzip-compressed when `report_html_gz` is set.
 */
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, writeFileSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';

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

/** Pages shorter than this (characters) are written in one piece. */
const SMALL_PAGE = 256 * 1024;

/** A page's text, or its text in pieces to write one after the other (PageTemplates.page). */
export type PageContent = string | readonly string[];

/**
 * Writes `content` to `path` (created or truncated) as UTF-8, the pieces one after the other. A
 * piece is written from the string itself: Node encodes it into memory it frees at once, which
 * the next page reuses (a Buffer of each 1.6 MB page would be new memory every time).
 */
function writeContentSync(path: string, content: PageContent | Buffer): void {
  if (typeof content === 'string' || Buffer.isBuffer(content)) {
    writeFileSync(path, content);
    return;
  }
  // A page of a few KB (a run page) is joined and written at once: one write, not three.
  if (content.reduce((n, piece) => n + piece.length, 0) < SMALL_PAGE) {
    writeFileSync(path, content.join(''));
    return;
  }
  const fd = openSync(path, 'w');
  try {
    for (const piece of content) {
      const written = writeSync(fd, piece);
      if (written === Buffer.byteLength(piece, 'utf8')) continue;
      // A short write (rare for a file): the rest from its bytes.
      const bytes = Buffer.from(piece, 'utf8');
      for (let done = written; done < bytes.length; ) done += writeSync(fd, bytes, done);
    }
  } finally {
    closeSync(fd);
  }
}

function gzipped(content: PageContent): Buffer {
  return gzipSync(typeof content === 'string' ? Buffer.from(content, 'utf8') : Buffer.concat(content.map((p) => Buffer.from(p, 'utf8'))));
}

/** Writes `content` to `path` atomically, creating parent directories. */
export function writeFileAtomic(path: string, content: PageContent | Buffer): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}-${tmpCounter++}`;
  writeContentSync(tmp, content);
  renameSync(tmp, path);
}

/**
 * Writes the page for `dir` atomically (index and job pages, rewritten while a web server may
 * serve them); returns its path.
 */
export function writePage(dir: string, html: PageContent, gz: boolean): string {
  const path = pagePath(dir, gz);
  writeFileAtomic(path, gz ? gzipped(html) : html);
  return path;
}

/**
 * Writes a run page (written once) directly, without a temp file, synchronously: for pages of a
 * few KB the synchronous calls cost a fraction of the promise-based ones (no FileHandle, no
 * promise per step), which made up half of a full render's CPU (docs/BENCHMARKS.md, Reports).
 * Returns its path.
 */
export function writeRunPage(dir: string, html: PageContent, gz: boolean): string {
  const path = pagePath(dir, gz);
  mkdirSync(dir, { recursive: true });
  writeContentSync(path, gz ? gzipped(html) : html);
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
