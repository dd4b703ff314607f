import type { Command } from 'commander';
import { NotImplementedError, newCommand } from './common.js';

/** `dsari migrate --from SRC --to DST`: copies run records between stores. */
export function migrateCommand(name = 'migrate'): Command {
  return newCommand(name, 'copy all run records from one database to another (idempotent)')
    .requiredOption('--from <dsn-or-file>', 'source: SQLite file, postgresql:// URI or mysql:// URI')
    .requiredOption('--to <dsn-or-file>', 'destination: SQLite file, postgresql:// URI or mysql:// URI')
    .action(async () => {
      throw new NotImplementedError('dsari migrate');
    });
}
