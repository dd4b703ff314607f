import type { Command } from 'commander';
import { normalisedJobs } from '../../config/dump.js';
import { UsageError } from '../../errors.js';
import { collect, newCommand } from '../common.js';
import { loadContext } from '../context.js';
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
      const jobs = normalisedJobs(ctx.config, Date.now() / 1000, opts.job);
      const names = Object.keys(jobs).sort();
      const format = opts.format ?? 'pretty';
      await withOutput(async (out) => {
        if (format === 'json') return out.write(jsonText(jobs));
        if (format === 'yaml') return out.write(yamlText(jobs));
        const rows = names.map((name) => {
          const job = jobs[name] ?? {};
          return {
            name,
            schedule: typeof job['schedule'] === 'string' ? job['schedule'] : '',
            next: typeof job['next_scheduled_run'] === 'string' ? job['next_scheduled_run'] : '',
            command: shellQuote(Array.isArray(job['command']) ? (job['command'] as string[]) : []),
          };
        });
        if (format === 'tabular') {
          // The original's column order for tabular: name, schedule, command, next run.
          return out.write(rows.map((r) => `${[r.name, r.schedule, r.command, r.next].join('\t')}\n`).join(''));
        }
        const cells: TableCell[][] = rows.map((r) => [
          { text: r.name, style: jobStyle(r.name) },
          { text: r.schedule },
          { text: r.next },
          { text: r.command },
        ]);
        return out.write(
          formatTable(['Job Name', 'Schedule', 'Next Scheduled Run', 'Command'], cells, {
            width: out.terminal.columns,
            palette: out.palette,
            unicode: out.terminal.unicode,
          }),
        );
      });
    });
  return cmd;
}
