import type { Command } from 'commander';
import { NotImplementedError, newCommand } from '../common.js';

/** `dsari-info shell`: a REPL with config and store loaded. */
export function infoShellCommand(): Command {
  return newCommand('shell', 'interactive shell with the configuration and database loaded').action(async () => {
    throw new NotImplementedError('shell');
  });
}
