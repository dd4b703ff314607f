import type { Command } from 'commander';
import { nextRunsFile } from '../../config/cache.js';
import { normalisedJobs } from '../../config/dump.js';
import { NextRuns } from '../../config/next-runs.js';
import type { JobConfig } from '../../config/types.js';
import { localZone } from '../../schedule/time.js';
import { UsageError } from '../../errors.js';
import { collect, newCommand } from '../common.js';
import { type CliContext, loadContext, openStore } from '../context.js';
import { existsSync } from 'node:fs';
import { type JobState, jobStatesOrNone, stateText } from './job-state.js';
import { jobStyle, withOutput } from '../output.js';
import { formatTable, type TableCell } from '../table.js';
import { formatArg, jsonText, yamlText, type ListFormat } from './format.js';

interface JobListOptions {
  job?: string[];
  format?: ListFormat;
}

/** A command line as a POSIX shell would need it typed (Python's shlex.quote per argument). */
export function shellQuote(argv: readonly string[]): string {
  return argv.map((a) => (a !== '' && /^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'"'"'`)}'`)).join(' ');
}

/** `dsari-info job list` (SPEC §9). */
export function infoJobCommand(): Command {
  const cmd = newCommand('job', 'information about jobs');
  cmd
    .command('list')
    .description('list jobs with schedule, next scheduled run and command')
    .option('--job <name>', 'only this job (repeatable)', collect)
    .option('--format <format>', 'pretty (default), tabular, json or yaml', formatArg)
    .action(async (opts: JobListOptions, self: Command) => {
      const ctx = loadContext(self);
      const unknown = (opts.job ?? []).filter((name) => !ctx.config.jobs.has(name));
      if (unknown.length > 0) {
        throw new UsageError(`unknown job${unknown.length > 1 ? 's' : ''}: ${unknown.map((n) => `"${n}"`).join(', ')}`);
      }
      const now = Date.now() / 1000;
      const format = opts.format ?? 'pretty';
      const names = (opts.job === undefined ? [...ctx.config.jobs.keys()] : [...new Set(opts.job)]).sort();
      const states = await readStates(ctx, names);
      // Next runs found by an earlier command and still ahead are taken from the cache (config/next-runs.ts).
      const nextRuns = new NextRuns(nextRunsFile(ctx.config.configDir), now, localZone());
      await withOutput(async (out) => {
        if (format === 'json' || format === 'yaml') {
          const jobs = normalisedJobs(ctx.config, now, opts.job, (job) => nextRuns.text(job));
          for (const [name, state] of states) {
            const j = jobs[name];
            if (j !== undefined) j['state'] = state;
          }
          return out.write(format === 'json' ? jsonText(jobs) : yamlText(jobs));
        }
        // The table needs four columns of each job, not its whole normalised mapping (10,000
        // jobs: a fifth of the command's time, docs/BENCHMARKS.md), made straight into its cells
        // (unstyled ones as plain strings: 10,000 rows kept until printed).
        // The State column (paused, retrying …) is shown only when some job has one.
        const withState = states.size > 0;
        const state = (name: string): string => stateText(states.get(name) ?? ({} as JobState));
        const columns = (name: string): [schedule: string, next: string, command: string] => {
          const job = ctx.config.jobs.get(name) as JobConfig;
          return [job.schedule ?? '', nextRuns.text(job) ?? '', shellQuote(job.command)];
        };
        if (format === 'tabular') {
          // The original's column order for tabular: name, schedule, command, next run.
          return out.write(
            names
              .map((name) => {
                const [schedule, next, command] = columns(name);
                return `${[name, schedule, command, next, ...(withState ? [state(name)] : [])].join('\t')}\n`;
              })
              .join(''),
          );
        }
        const cells = names.map((name): (string | TableCell)[] => {
          const [schedule, next, command] = columns(name);
          const row: (string | TableCell)[] = [{ text: name, style: jobStyle(name) }, schedule, next, command];
          if (withState) row.push({ text: state(name), style: states.get(name)?.paused ? { colour: 'yellow' as const } : undefined });
          return row;
        });
        return out.write(
          formatTable(['Job Name', 'Schedule', 'Next Scheduled Run', 'Command', ...(withState ? ['State'] : [])], cells, {
            width: out.terminal.columns,
            palette: out.palette,
            unicode: out.terminal.unicode,
          }),
        );
      });
      nextRuns.save();
    });
  return cmd;
}

/** Job states from the store, when there is a store to read (a missing SQLite file is not created). */
async function readStates(ctx: CliContext, names: readonly string[]): Promise<Map<string, JobState>> {
  const db = ctx.config.database;
  if (db.type === 'sqlite3' && !existsSync(db.file)) return new Map();
  return jobStatesOrNone(ctx.config, () => openStore(ctx), names);
}
