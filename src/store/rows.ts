/**
 * Turning database rows into run records, the same way for every backend. Rows written by the
 * original (or by hand) may hold odd contents: NULL or invalid JSON in trigger_data/run_data,
 * JSON that is not an object, NULL times. They are read without failing (see docs/database.md).
 */
import type { EpochSeconds } from '../clock.js';
import type { FinishedRun, JsonObject, RunRecord, RunningRun } from './types.js';

/** Key under which the raw text of an unreadable trigger_data/run_data column is kept. */
export const RAW_JSON_KEY = '_raw';

/** A row as every backend returns it, with times already decoded to epoch seconds. */
export interface RawRow {
  job_name: unknown;
  run_id: unknown;
  schedule_time: EpochSeconds | null;
  start_time: EpochSeconds | null;
  stop_time?: EpochSeconds | null;
  exit_code?: unknown;
  trigger_type: unknown;
  trigger_data: unknown;
  run_data: unknown;
}

/**
 * Reads a JSON column leniently: an object is returned as is; NULL is {}; invalid JSON or JSON
 * that is not an object becomes `{ _raw: "<the text>" }` so nothing is lost and nothing crashes.
 */
export function parseJsonColumn(value: unknown): JsonObject {
  if (value === null || value === undefined) return {};
  if (typeof value === 'object' && !Array.isArray(value) && !Buffer.isBuffer(value)) return value as JsonObject;
  const text = Buffer.isBuffer(value) ? value.toString('utf8') : typeof value === 'string' ? value : JSON.stringify(value);
  // Most rows hold `{}` (no trigger data, no run data): no parse needed for those.
  if (text === '' || text === '{}') return {};
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as JsonObject;
  } catch {
    // not JSON: kept verbatim below
  }
  return { [RAW_JSON_KEY]: text };
}

/** JSON text for a trigger_data/run_data column. */
export function jsonColumn(value: JsonObject): string {
  return JSON.stringify(value ?? {});
}

function num(value: unknown, fallback: number): number {
  if (value === null || value === undefined) return fallback;
  const n = typeof value === 'number' ? value : Number(value);
  return Number.isFinite(n) ? n : fallback;
}

function text(value: unknown): string {
  if (value === null || value === undefined) return '';
  return Buffer.isBuffer(value) ? value.toString('utf8') : String(value);
}

/** A row of runs_running. */
export function runningFromRow(row: RawRow): RunningRun {
  return {
    jobName: text(row.job_name),
    runId: text(row.run_id),
    scheduleTime: num(row.schedule_time, 0),
    startTime: num(row.start_time, 0),
    triggerType: text(row.trigger_type),
    triggerData: parseJsonColumn(row.trigger_data),
    runData: parseJsonColumn(row.run_data),
  };
}

/** Exit code recorded for a finished row whose exit_code is NULL or not a number. */
export const UNKNOWN_EXIT_CODE = -1;

/** A row of runs. */
export function finishedFromRow(row: RawRow): FinishedRun {
  return finishedFromColumns(
    row.job_name, row.run_id, row.schedule_time, row.start_time, row.stop_time, row.exit_code, row.trigger_type, row.trigger_data, row.run_data,
  );
}

/**
 * A row of runs read as an array of FINISHED_COLUMNS' values, in their order (SQLite's raw rows:
 * no object per row to make before the record; docs/BENCHMARKS.md), as a RunRecord.
 */
export function finishedRecordFromValues(values: readonly unknown[]): RunRecord {
  const run = finishedFromColumns(
    values[0], values[1], values[2] as EpochSeconds | null, values[3] as EpochSeconds | null, values[4] as EpochSeconds | null, values[5], values[6], values[7], values[8],
  ) as FinishedRun & { running?: boolean };
  run.running = false;
  return run as RunRecord;
}

function finishedFromColumns(
  jobName: unknown,
  runId: unknown,
  scheduleTime: EpochSeconds | null,
  startTime: EpochSeconds | null,
  stopTime: EpochSeconds | null | undefined,
  exitCode: unknown,
  triggerType: unknown,
  triggerData: unknown,
  runData: unknown,
): FinishedRun {
  // Spelled out rather than spreading runningFromRow's object: one object per row, not two
  // (listings of thousands of runs; docs/BENCHMARKS.md).
  return {
    jobName: text(jobName),
    runId: text(runId),
    scheduleTime: num(scheduleTime, 0),
    startTime: num(startTime, 0),
    triggerType: text(triggerType),
    triggerData: parseJsonColumn(triggerData),
    runData: parseJsonColumn(runData),
    stopTime: num(stopTime, 0),
    exitCode: Math.trunc(num(exitCode, UNKNOWN_EXIT_CODE)),
  };
}

/**
 * A row of runs as a RunRecord, built as one object (not a FinishedRun copied by
 * {@link recordFromFinished}): listings of thousands of runs make a garbage collector's work of
 * every object per row (docs/BENCHMARKS.md).
 */
export function finishedRecordFromRow(row: RawRow): RunRecord {
  const run = finishedFromRow(row) as FinishedRun & { running?: boolean };
  run.running = false;
  return run as RunRecord;
}

export function recordFromFinished(run: FinishedRun): RunRecord {
  return { ...run, running: false };
}

export function recordFromRunning(run: RunningRun): RunRecord {
  return { ...run, stopTime: null, exitCode: null, running: true };
}

/** Canonical lowercase UUID (the PostgreSQL column type is uuid). */
export const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
