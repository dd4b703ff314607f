import { policyLabel } from '../../report/policy-label.js';
import { InvalidArgumentError, type Command } from 'commander';
import type { RunRecord, RunStore } from '../../store/types.js';
import { collect, newCommand } from '../common.js';
import { loadContext, openStore, type CliContext } from '../context.js';
import { formatTimedelta, jobStyle, withOutput, type Style } from '../output.js';
import { formatTable, type TableCell, type TableOptions } from '../table.js';
import { prettyJson } from './config.js';
import { formatArg, isoTime, yamlText, type ListFormat } from './format.js';
import { isArrayIndex, TextPieces, visitInListingOrder } from './run-scan.js';
import { runShowCommand } from './run-show.js';

interface RunListOptions {
  job?: string[];
  run?: string[];
  format?: ListFormat;
}

/** `dsari-info run list|output|tail` (SPEC §9). */
export function infoRunCommand(): Command {
  const cmd = newCommand('run', 'information about runs');
  cmd
    .command('list')
    .description('list finished and running runs')
    .option('--job <name>', 'only runs of this job (repeatable)', collect)
    .option('--run <id>', 'only this run (repeatable)', collect)
    .option('--format <format>', 'pretty (default), tabular, json or yaml', formatArg)
    .action(async (opts: RunListOptions, self: Command) => {
      await withStore(self, (_ctx, store) => runList(store, opts));
    });
  cmd
    .command('output')
    .description("print a run's output (running runs too; output.txt, .gz or .xz)")
    .argument('<run-id>')
    .action(async (runId: string, _opts: unknown, self: Command) => {
      // Loaded on use, like `tail` below: `run list` needs neither (zlib, streams, xz).
      const { runOutput } = await import('./run-output.js');
      await withStore(self, (ctx, store) => runOutput(ctx, store, runId));
    });
  cmd
    .command('tail')
    .description('follow the output of running runs (all running runs, and those that start later, if none is named)')
    .argument('[run-id...]')
    .option('-n, --lines <n>', 'start with the last N lines of output already written', (v) => {
      const n = Number(v);
      if (!/^\d+$/.test(v)) throw new InvalidArgumentError('a whole number of lines is expected.');
      return n;
    }, 10)
    .action(async (runIds: string[], opts: { lines: number }, self: Command) => {
      const { tailRuns } = await import('./tail.js');
      await withStore(self, (ctx, store) => tailRuns(ctx, store, runIds, { lines: opts.lines }));
    });
  cmd.addCommand(runShowCommand());
  return cmd;
}

async function withStore(cmd: Command, fn: (ctx: CliContext, store: RunStore) => Promise<void>): Promise<void> {
  const ctx = loadContext(cmd);
  const store = await openStore(ctx);
  try {
    await fn(ctx, store);
  } finally {
    await store.close();
  }
}

/** The original's JSON/YAML shape of one run. */
export function runMapping(run: RunRecord): Record<string, unknown> {
  return {
    job_name: run.jobName,
    schedule_time: isoTime(run.scheduleTime),
    start_time: isoTime(run.startTime),
    stop_time: run.running || run.stopTime === null ? null : isoTime(run.stopTime),
    exit_code: run.running ? null : run.exitCode,
    trigger_type: run.triggerType,
    trigger_data: run.triggerData,
    run_data: run.runData,
  };
}

/**
 * `run list --format json`: the text {@link jsonText} makes of the mapping of run id to
 * {@link runMapping} (keys sorted, indented by 4), written run by run instead of built as objects,
 * copied with sorted keys and stringified (4,000 runs: a third of the command's time, most of it
 * the garbage collector's). test/info/run-json.test.ts checks the two agree.
 */
export function runsJson(runs: readonly RunRecord[]): string {
  // As object keys: a later run with the same id replaces an earlier one; the keys are
  // enumerated array indices first (in numeric order), then the others in sorted order.
  const entries = new Map<string, string>();
  for (const run of runs) entries.set(run.runId, runJsonEntry(run));
  if (entries.size === 0) return '{}\n';
  const ids = [...entries.keys()].sort();
  const indices = ids.filter(isArrayIndex);
  const order = indices.length === 0 ? ids : [...indices.sort((a, b) => Number(a) - Number(b)), ...ids.filter((id) => !isArrayIndex(id))];
  const parts = order.map((id) => entries.get(id) as string);
  return jsonObjectText(parts);
}

/** The JSON object text of entries already in order (each as {@link runJsonEntry} writes it). */
function jsonObjectText(entries: readonly string[] | TextPieces): string {
  if (entries instanceof TextPieces ? entries.empty : entries.length === 0) return '{}\n';
  return `{\n${entries instanceof TextPieces ? entries.join() : entries.join(',\n')}\n}\n`;
}

/** One run's entry in {@link runsJson}'s text. */
function runJsonEntry(run: RunRecord): string {
  const stop = run.running || run.stopTime === null ? 'null' : `"${isoTime(run.stopTime)}"`;
  return (
    `    ${JSON.stringify(run.runId)}: {\n` +
    `        "exit_code": ${run.running ? 'null' : JSON.stringify(run.exitCode)},\n` +
    `        "job_name": ${JSON.stringify(run.jobName)},\n` +
    `        "run_data": ${nestedJson(run.runData)},\n` +
    `        "schedule_time": "${isoTime(run.scheduleTime)}",\n` +
    `        "start_time": "${isoTime(run.startTime)}",\n` +
    `        "stop_time": ${stop},\n` +
    `        "trigger_data": ${nestedJson(run.triggerData)},\n` +
    `        "trigger_type": ${JSON.stringify(run.triggerType)}\n` +
    '    }'
  );
}

/** A value two levels deep in {@link runsJson}'s text. */
function nestedJson(value: unknown): string {
  if (value !== null && typeof value === 'object' && Object.keys(value).length === 0) return Array.isArray(value) ? '[]' : '{}';
  return prettyJson(value).replace(/\n/g, '\n        ');
}

/** One line of `--format tabular`. */
function tabularLine(run: RunRecord): string {
  const fields = [
    run.runId,
    run.jobName,
    run.running || run.exitCode === null ? '' : String(run.exitCode),
    run.triggerType,
    isoTime(run.scheduleTime),
    isoTime(run.startTime),
    run.running || run.stopTime === null ? '' : isoTime(run.stopTime),
  ];
  return `${fields.join('\t')}\n`;
}

async function runList(store: RunStore, opts: RunListOptions): Promise<void> {
  const filter = {
    ...(opts.job === undefined ? {} : { jobNames: opts.job }),
    ...(opts.run === undefined ? {} : { runIds: opts.run }),
  };
  const text = await runListing(store, filter, opts.format ?? 'pretty', Date.now() / 1000);
  await withOutput((out) => out.write(text({ width: out.terminal.columns, palette: out.palette, unicode: out.terminal.unicode })));
}

/** Which runs `run list` lists. */
export interface RunFilter {
  readonly jobNames?: readonly string[];
  readonly runIds?: readonly string[];
}

/**
 * `run list`'s text (given the table options of the output, for `pretty`): in one pass over the
 * store's rows where it can (run-scan.ts), else from all runs read, sorted and printed, as the
 * original does; byte for byte the same either way (test/info/run-list-one-pass.test.ts).
 * `onePass` false: always the general way.
 */
export async function runListing(store: RunStore, filter: RunFilter, format: ListFormat, now: number, onePass = true): Promise<(table: TableOptions) => string> {
  if (onePass && format !== 'yaml') {
    const text = await listInOnePass(store, filter, format, now);
    if (text !== null) return text;
  }
  const query = { ...filter, orderBy: 'start_time' as const, order: 'asc' as const };
  // Finished runs, then running ones, as the original lists them.
  const runs = [
    ...(await store.listRuns({ ...query, includeRunning: false })),
    ...(await store.listRuns({ ...query, includeFinished: false })),
  ];
  if (format === 'json') return () => runsJson(runs);
  if (format === 'yaml') {
    const mapping: Record<string, unknown> = {};
    for (const run of runs) mapping[run.runId] = runMapping(run);
    return () => yamlText(mapping);
  }
  if (format === 'tabular') return () => [...runs].sort((a, b) => a.startTime - b.startTime).map(tabularLine).join('');
  const rows = [...runs].sort((a, b) => b.startTime - a.startTime).map((run) => prettyRow(run, now));
  return (table) => prettyTable(rows, table);
}

/** The json, tabular and pretty listings made in one pass (run-scan.ts); null where the store's rows do not allow it. */
async function listInOnePass(store: RunStore, filter: RunFilter, format: ListFormat, now: number): Promise<((table: TableOptions) => string) | null> {
  if (format === 'json') {
    const entries = new TextPieces(',\n');
    if (!(await visitInListingOrder(store, filter, 'id', (run) => entries.add(runJsonEntry(run))))) return null;
    return () => jsonObjectText(entries);
  }
  if (format === 'tabular') {
    const lines = new TextPieces('');
    if (!(await visitInListingOrder(store, filter, 'start_asc', (run) => lines.add(tabularLine(run))))) return null;
    return () => lines.join();
  }
  const rows: (string | TableCell)[][] = [];
  if (!(await visitInListingOrder(store, filter, 'start_desc', (run) => rows.push(prettyRow(run, now))))) return null;
  return (table) => prettyTable(rows, table);
}

const RECENT: Style = { colour: 'green' };
const TODAY: Style = { colour: 'blue' };
const RED: Style = { colour: 'red' };
const BLUE: Style = { colour: 'blue' };
const NOT_FINISHED: TableCell = { text: '...', style: BLUE };

/** One run's row of the `pretty` table (cells without a style are plain strings). */
function prettyRow(run: RunRecord, now: number): (string | TableCell)[] {
  const finished = !run.running && run.stopTime !== null && run.exitCode !== null;
  const exit: string | TableCell = finished
    ? (run.exitCode ?? 0) > 0 ? { text: String(run.exitCode), style: RED } : String(run.exitCode)
    : NOT_FINISHED;
  const duration: string | TableCell = finished
    ? formatTimedelta((run.stopTime ?? 0) - run.startTime)
    : { text: formatTimedelta(now - run.startTime), style: BLUE };
  const age = now - run.startTime;
  const start = isoTime(run.startTime);
  const type = policyLabel(run.triggerType, run.triggerData, run.runData) ?? run.triggerType;
  return [
    run.runId,
    exit,
    { text: run.jobName, style: jobStyle(run.jobName) },
    duration,
    age <= 3600 ? { text: start, style: RECENT } : age <= 86400 ? { text: start, style: TODAY } : start,
    run.triggerType === 'file' ? { text: type, style: BLUE } : type,
    formatTimedelta(run.startTime - run.scheduleTime),
  ];
}

function prettyTable(rows: readonly (readonly (string | TableCell)[])[], table: TableOptions): string {
  return formatTable(['Run ID', 'Exit', 'Job', 'Duration', 'Start Time', 'Type', 'Schedule Delay'], rows, table);
}
