import type { Command } from 'commander';
import { UsageError } from '../errors.js';
import { copyRuns, databaseFromSpec, describeDatabase, storeForMigration } from '../store/migrate.js';
import { newCommand } from './common.js';

interface MigrateOptions {
  from: string;
  to: string;
  batchSize: string;
}

/** `dsari migrate --from SRC --to DST`: copies run records between stores. */
export function migrateCommand(name = 'migrate'): Command {
  return newCommand(name, 'copy all run records (finished and running) from one database to another (idempotent)')
    .requiredOption('--from <dsn-or-file>', 'source: SQLite file, postgresql:// URI or key=value DSN, or mysql://user:pass@host:port/db')
    .requiredOption('--to <dsn-or-file>', 'destination: same forms; tables are created when missing')
    .option('--batch-size <n>', 'runs per transaction', '1000')
    .addHelpText(
      'after',
      '\nRuns already in the destination (same run id) are left alone, so running it twice copies nothing the second time.\n' +
        'Example:\n  dsari migrate --from /var/lib/dsari/dsari.sqlite3 --to postgresql://dsari@db.example/dsari\n',
    )
    .action(async (options: MigrateOptions) => {
      const batchSize = Number(options.batchSize);
      if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 5000) {
        throw new UsageError(`--batch-size: expected an integer from 1 to 5000, got "${options.batchSize}"`);
      }
      const fromDb = databaseFromSpec(options.from);
      const toDb = databaseFromSpec(options.to);
      const from = storeForMigration(fromDb, 'source');
      const to = storeForMigration(toDb, 'destination');
      try {
        await from.open();
        await to.open();
        const r = await copyRuns(from, to, { batchSize });
        process.stdout.write(
          `Copied ${r.finishedCopied} finished runs (${r.finishedPresent} already there) and ` +
            `${r.runningCopied} running runs (${r.runningPresent} already there) ` +
            `from ${describeDatabase(fromDb)} to ${describeDatabase(toDb)}\n`,
        );
        for (const x of r.refused) process.stderr.write(`dsari migrate: run ${x.runId} not copied: ${x.reason}\n`);
        if (r.refused.length > 0) {
          process.stderr.write(`dsari migrate: ${r.refused.length} runs were refused by the destination\n`);
          process.exitCode = 1;
        }
      } finally {
        await from.close();
        await to.close();
      }
    });
}
