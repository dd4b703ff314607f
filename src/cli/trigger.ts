import type { Command } from 'commander';
import { NotImplementedError, collect, newCommand, withGlobalOptions } from './common.js';

/** `dsari trigger JOB` (SPEC §1 [beyond]): writes a trigger file atomically. */
export function triggerCommand(name = 'trigger'): Command {
  return withGlobalOptions(newCommand(name, 'trigger a run of JOB by writing its trigger file atomically'))
    .argument('<job>', 'job name')
    .option('--env <K=V>', 'set an environment variable in the run (repeatable)', collect)
    .option('--at <time>', 'schedule the run for later: ISO 8601 date-time or epoch seconds')
    .option('--type <type>', 'trigger type shown in reports')
    .option('--description <text>', 'description shown in reports')
    .action(async () => {
      throw new NotImplementedError('dsari trigger');
    });
}
