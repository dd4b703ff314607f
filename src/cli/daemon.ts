import type { Command } from 'commander';
import { NotImplementedError, newCommand, withGlobalOptions } from './common.js';

/** `dsari-daemon` / `dsari daemon` (SPEC §5). */
export function daemonCommand(name = 'dsari-daemon'): Command {
  return withGlobalOptions(newCommand(name, 'run the dsari scheduler daemon (foreground unless --fork)'))
    .option('--fork', 'detach and run in the background')
    .action(async () => {
      throw new NotImplementedError('dsari-daemon');
    });
}
