import { policyLabel } from '../../report/policy-label.js';
import { InvalidArgumentError, type Command } from 'commander';
import type { RunRecord, RunStore } from '../../store/types.js';
import { collect, newCommand } from '../common.js';
import { loadContext, openStore, type CliContext } from '../context.js';
import { formatTimedelta, jobStyle, withOutput, type OutputSink, type Style } from '../output.js';
import { formatTable, type TableCell } from '../table.js';
import { prettyJson } from './config.js';
import { formatArg, isoTime, yamlText, type ListFormat } from './format.js';
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
  return `{\n${parts.join(',\n')}\n}\n`;
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

/** Whether an object key is an array index, which objects enumerate before other keys. */
function isArrayIndex(key: string): boolean {
  return /^(?:0|[1-9]\d{0,9})$/.test(key) && Number(key) < 4_294_967_295;
}

async function runList(store: RunStore, opts: RunListOptions): Promise<void> {
  const query = {
    ...(opts.job === undefined ? {} : { jobNames: opts.job }),
    ...(opts.run === undefined ? {} : { runIds: opts.run }),
    orderBy: 'start_time' as const,
    order: 'asc' as const,
  };
  const format = opts.format ?? 'pretty';
  // Finished runs, then running ones, as the original lists them.
  const runs = [
    ...(await store.listRuns({ ...query, includeRunning: false })),
    ...(await store.listRuns({ ...query, includeFinished: false })),
  ];
  await withOutput(async (out) => {
    if (format === 'json') {
      await out.write(runsJson(runs));
    } else if (format === 'yaml') {
      const mapping: Record<string, unknown> = {};
      for (const run of runs) mapping[run.runId] = runMapping(run);
      await out.write(yamlText(mapping));
    } else if (format === 'tabular') {
      const sorted = [...runs].sort((a, b) => a.startTime - b.startTime);
      for (const run of sorted) {
        if (out.closed) break;
        const fields = [
          run.runId,
          run.jobName,
          run.running || run.exitCode === null ? '' : String(run.exitCode),
          run.triggerType,
          isoTime(run.scheduleTime),
          isoTime(run.startTime),
          run.running || run.stopTime === null ? '' : isoTime(run.stopTime),
        ];
        await out.write(`${fields.join('\t')}\n`);
      }
    } else {
      await out.write(prettyRuns(runs, out));
    }
  });
}

function prettyRuns(runs: readonly RunRecord[], out: OutputSink): string {
  const now = Date.now() / 1000;
  const ageStyle = (t: number): Style | undefined =>
    now - t <= 3600 ? { colour: 'green' } : now - t <= 86400 ? { colour: 'blue' } : undefined;
  const rows: TableCell[][] = [...runs]
    .sort((a, b) => b.startTime - a.startTime)
    .map((run) => {
      const finished = !run.running && run.stopTime !== null && run.exitCode !== null;
      const exit: TableCell = finished
        ? { text: String(run.exitCode), style: (run.exitCode ?? 0) > 0 ? { colour: 'red' } : undefined }
        : { text: '...', style: { colour: 'blue' } };
      const duration: TableCell = finished
        ? { text: formatTimedelta((run.stopTime ?? 0) - run.startTime) }
        : { text: formatTimedelta(now - run.startTime), style: { colour: 'blue' } };
      return [
        { text: run.runId },
        exit,
        { text: run.jobName, style: jobStyle(run.jobName) },
        duration,
        { text: isoTime(run.startTime), style: ageStyle(run.startTime) },
        { text: policyLabel(run.triggerType, run.triggerData, run.runData) ?? run.triggerType, style: run.triggerType === 'file' ? { colour: 'blue' } : undefined },
        { text: formatTimedelta(run.startTime - run.scheduleTime) },
      ];
    });
  return formatTable(['Run ID', 'Exit', 'Job', 'Duration', 'Start Time', 'Type', 'Schedule Delay'], rows, {
    width: out.terminal.columns,
    palette: out.palette,
    unicode: out.terminal.unicode,
  });
}
