import type { Command } from 'commander';
import { NotImplementedError, newCommand } from './common.js';

/** `dsari schedule EXPR`: prints the next fire times of a schedule expression. */
export function scheduleCommand(name = 'schedule'): Command {
  return newCommand(name, 'print the next fire times of a schedule expression')
    .argument('<expr>', 'cron or RRULE expression (quote it)')
    .option('--job <name>', 'job name the H/R hashing is seeded with', '')
    .option('--from <time>', 'start after this time: ISO 8601 (naive = in --timezone) or epoch seconds (default: now)')
    .option('--timezone <zone>', 'IANA zone to evaluate in (default: local)')
    .option('-n <count>', 'how many fire times', '5')
    .option('--format <format>', 'text or json', 'text')
    .action(async () => {
      throw new NotImplementedError('dsari schedule');
    });
}
