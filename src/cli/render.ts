import type { Command } from 'commander';
import { NotImplementedError, newCommand, withGlobalOptions } from './common.js';

/** `dsari-render` / `dsari render` (SPEC §8). */
export function renderCommand(name = 'dsari-render'): Command {
  return withGlobalOptions(newCommand(name, 'write static HTML reports into DATA_DIR/html/'))
    .option('-r, --regenerate', 'regenerate every page, not only pages of new runs')
    .action(async () => {
      throw new NotImplementedError('dsari-render');
    });
}
