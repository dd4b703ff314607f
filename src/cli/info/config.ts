import type { Command } from 'commander';
import { NotImplementedError, newCommand } from '../common.js';

/** `dsari-info config check|dump` (SPEC §9). */
export function infoConfigCommand(): Command {
  const cmd = newCommand('config', 'check or print the configuration');
  cmd
    .command('check')
    .description('validate the configuration: print "Config OK" or the error')
    .action(async () => {
      throw new NotImplementedError('config check');
    });
  cmd
    .command('dump')
    .description('print the normalised configuration')
    .option('--raw', 'print the merged raw configuration instead')
    .option('--format <format>', 'json or yaml', 'yaml')
    .action(async () => {
      throw new NotImplementedError('config dump');
    });
  return cmd;
}
