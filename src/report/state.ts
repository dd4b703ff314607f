/**
 * What the last render wrote, kept in `DATA_DIR/html/.dsari-render.json` so that the next render
 * can tell new runs from rendered ones without looking at every page. Losing or corrupting the
 * file is harmless: the renderer then checks which run pages exist, as the original does.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EpochSeconds } from '../clock.js';

export const STATE_FILE = '.dsari-render.json';
const VERSION = 1;

/** Per job: what its pages showed after the last render. */
export interface JobRenderState {
  /** Finished runs of the job in the store. */
  count: number;
  /** Id of the latest run by stop time (null: none). */
  lastRunId: string | null;
  /** Stop time of that run (null: none). */
  lastStopTime: EpochSeconds | null;
  /** The pause shown on the page (who, since when), so a pause or resume rewrites it. */
  paused?: string;
}

export interface RenderState {
  version: number;
  /** Pages were written gzip-compressed (`index.html.gz`). */
  gz: boolean;
  jobs: Record<string, JobRenderState>;
}

/** An empty state for a render writing plain (`gz` false) or compressed pages. */
export function emptyState(gz: boolean): RenderState {
  return { version: VERSION, gz, jobs: {} };
}

function isJobState(v: unknown): v is JobRenderState {
  if (v === null || typeof v !== 'object') return false;
  const o = v as Record<string, unknown>;
  return (
    typeof o['count'] === 'number' &&
    (o['lastRunId'] === null || typeof o['lastRunId'] === 'string') &&
    (o['lastStopTime'] === null || typeof o['lastStopTime'] === 'number')
  );
}

/** The state of the last render, or null if there is none or it cannot be trusted. */
export function readState(htmlDir: string): RenderState | null {
  let raw: string;
  try {
    raw = readFileSync(join(htmlDir, STATE_FILE), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    // A damaged state file only costs the page-existence check; nothing to report.
    return null;
  }
  if (parsed === null || typeof parsed !== 'object') return null;
  const o = parsed as Record<string, unknown>;
  if (o['version'] !== VERSION || typeof o['gz'] !== 'boolean' || o['jobs'] === null || typeof o['jobs'] !== 'object') {
    return null;
  }
  const jobs: Record<string, JobRenderState> = {};
  for (const [name, js] of Object.entries(o['jobs'] as Record<string, unknown>)) {
    if (!isJobState(js)) continue;
    const paused = (js as { paused?: unknown }).paused;
    jobs[name] = { count: js.count, lastRunId: js.lastRunId, lastStopTime: js.lastStopTime, ...(typeof paused === 'string' ? { paused } : {}) };
  }
  return { version: VERSION, gz: o['gz'], jobs };
}

/** Writes the state atomically (temp file + rename). */
export function writeState(htmlDir: string, state: RenderState): void {
  const path = join(htmlDir, STATE_FILE);
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, `${JSON.stringify(state)}\n`);
  renameSync(tmp, path);
}
