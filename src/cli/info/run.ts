import type { Command } from 'commander';
import { NotImplementedError, collect, newCommand } from '../common.js';

/** `dsari-info run list|output|tail` (SPEC §9). */
export function infoRunCommand(): Command {
  const cmd = newCommand('run', 'information about runs');
  cmd
    .command('list')
    .description('list finished and running runs')
    .option('--job <name>', 'only runs of this job (repeatable)', collect)
    .option('--run <id>', 'only this run (repeatable)', collect)
    .option('--format <format>', 'pretty, tabular, json or yaml')
    .action(async () => {
      throw new NotImplementedError('run list');
    });
  cmd
    .command('output')
    .description("print a run's output (running runs too)")
    .argument('<run-id>')
    .action(async () => {
      throw new NotImplementedError('run output');
    });
  cmd
    .command('tail')
    .description('follow the output of running runs')
    .argument('[run-id...]')
    .action(async () => {
      throw new NotImplementedError('run tail');
    });
  return cmd;
}
