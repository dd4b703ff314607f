import type { Command } from 'commander';
import { UsageError } from '../errors.js';
import { copyRuns, databaseFromSpec, describeDatabase, storeForMigration } from '../store/migrate.js';
import { upgradeDatabase } from '../store/upgrade.js';
import { newCommand } from './common.js';
import { loadContext } from './context.js';

interface MigrateOptions {
  from?: string;
  to?: string;
  batchSize: string;
}

/**
 * `dsari migrate --from SRC --to DST`: copies run records between stores. Without --from/--to:
 * upgrades the configured database in place (creates the tables and indexes it lacks).
 */
export function migrateCommand(name = 'migrate'): Command {
  return newCommand(
    name,
    'copy all run records (finished and running) from one database to another (idempotent); ' +
      'without --from/--to, upgrade the configured database in place',
  )
    .option('--from <dsn-or-file>', 'source: SQLite file, postgresql:// URI or key=value DSN, or mysql://user:pass@host:port/db')
    .option('--to <dsn-or-file>', 'destination: same forms; tables are created when missing')
    .option('--batch-size <n>', 'runs per transaction', '1000')
    .addHelpText(
      'after',
      '\nRuns already in the destination (same run id) are left alone, so running it twice copies nothing the second time.\n' +
        'Without --from and --to, the database of the configuration (-c DIR) is upgraded in place: the tables and indexes\n' +
        'this version uses (dsari_pauses, dsari_pending_runs …) are created when missing, under a lock that processes\n' +
        'starting at the same time share; the original\'s tables are never changed. Running it again creates nothing.\n' +
        'Examples:\n  dsari migrate --from /var/lib/dsari/dsari.sqlite3 --to postgresql://dsari@db.example/dsari\n  dsari migrate -c /etc/dsari\n',
    )
    .action(async (options: MigrateOptions, cmd: Command) => {
      if (options.from === undefined && options.to === undefined) {
        const ctx = loadContext(cmd);
        const db = ctx.config.database;
        const created = await upgradeDatabase(db);
        process.stdout.write(
          created.length === 0
            ? `${describeDatabase(db)} is up to date: nothing to create\n`
            : `Upgraded ${describeDatabase(db)}: created ${created.join(', ')}\n`,
        );
        return;
      }
      if (options.from === undefined || options.to === undefined) {
        const [given, missing] = options.from === undefined ? ['--to', '--from'] : ['--from', '--to'];
        cmd.error(`error: ${given} needs ${missing} (or give neither to upgrade the configured database in place)`, {
          exitCode: 2,
          code: 'commander.missingMandatoryOptionValue',
        });
      }
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
