import type { Command } from 'commander';
import { NotImplementedError, collect, newCommand } from '../common.js';

/** `dsari-info job list` (SPEC §9). */
export function infoJobCommand(): Command {
  const cmd = newCommand('job', 'information about jobs');
  cmd
    .command('list')
    .description('list jobs with schedule, next scheduled run and command')
    .option('--job <name>', 'only this job (repeatable)', collect)
    .option('--format <format>', 'pretty, tabular, json or yaml')
    .action(async () => {
      throw new NotImplementedError('job list');
    });
  return cmd;
}
