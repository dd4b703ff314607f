import { policyLabel } from '../../report/policy-label.js';
import { InvalidArgumentError, type Command } from 'commander';
import type { RunRecord, RunStore } from '../../store/types.js';
import { collect, newCommand } from '../common.js';
import { loadContext, openStore, type CliContext } from '../context.js';
import { formatTimedelta, jobStyle, withOutput, type OutputSink, type Style } from '../output.js';
import { formatTable, type TableCell } from '../table.js';
import { formatArg, isoTime, jsonText, yamlText, type ListFormat } from './format.js';
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
function runMapping(run: RunRecord): Record<string, unknown> {
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

async function runList(store: RunStore, opts: RunListOptions): Promise<void> {
  const query = {
    ...(opts.job === undefined ? {} : { jobNames: opts.job }),
    ...(opts.run === undefined ? {} : { runIds: opts.run }),
    orderBy: 'start_time' as const,
    order: 'asc' as const,
  };
  // Finished runs, then running ones, as the original lists them.
  const runs = [
    ...(await store.listRuns({ ...query, includeRunning: false })),
    ...(await store.listRuns({ ...query, includeFinished: false })),
  ];
  const format = opts.format ?? 'pretty';
  await withOutput(async (out) => {
    if (format === 'json' || format === 'yaml') {
      const mapping: Record<string, unknown> = {};
      for (const run of runs) mapping[run.runId] = runMapping(run);
      await out.write(format === 'json' ? jsonText(mapping) : yamlText(mapping));
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
