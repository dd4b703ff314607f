/**
 * `dsari prune [--dry-run] [--job J]` (SPEC-BEYOND §12.7): applies retention now — removes the
 * runs the `retention` settings exclude (run directory, row, rendered pages) and compresses old
 * outputs — with a progress bar on a terminal and a summary on stdout.
 */
import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { DsariError, StoreError } from '../errors.js';
import { takePruneLock } from '../retention/lock.js';
import { prune, type PruneSummary } from '../retention/prune.js';
import { formatBytes } from '../retention/runner.js';
import { collect, newCommand } from './common.js';
import { openWriter } from './writer.js';
import { loadContext } from './context.js';

/** Run directories `dsari prune` removes at the same time. */
const PRUNE_FILE_CONCURRENCY = 32;

interface PruneOptions {
  dryRun?: boolean;
  job?: string[];
}

/** The `prune` command. */
export function pruneCommand(name = 'prune'): Command {
  return newCommand(name, 'remove old runs and compress old outputs as the retention settings say')
    .option('--dry-run', 'only say what would be removed and compressed')
    .option('--job <name>', 'only this job (repeatable)', collect)
    .addHelpText(
      'after',
      '\nThe newest run and the last failed run of each job, and every running run, are always kept.\n' +
        'Example:\n  dsari prune --dry-run --job backup\n',
    )
    .action(async (opts: PruneOptions, self: Command) => {
      // File removal waits on the disk in libuv's threads: more of them overlap more waits. Set
      // before the first asynchronous file operation creates the pool.
      process.env['UV_THREADPOOL_SIZE'] ??= String(PRUNE_FILE_CONCURRENCY);
      const ctx = loadContext(self);
      if (!existsSync(ctx.config.dataDir)) {
        // A new installation: no daemon has run, so there is nothing to prune (and no lock to take).
        process.stdout.write(`Nothing to prune: the data directory ${ctx.config.dataDir} does not exist yet\n`);
        return;
      }
      const lock = takePruneLock(ctx.config.dataDir);
      if ('heldBy' in lock) {
        throw new DsariError('E_BUSY', `another prune is running (PID ${lock.heldBy} holds ${ctx.config.dataDir}/prune.lock); try again when it has finished`);
      }
      const store = await openWriter(ctx);
      try {
        if (store.sqlRunner === undefined) throw new StoreError(`the ${store.kind} store cannot be pruned`);
        const bar = process.stderr.isTTY ? await progressBar() : null;
        let summary: PruneSummary;
        try {
          summary = await prune({
            sql: store.sqlRunner(),
            config: ctx.config,
            log: ctx.log,
            now: Date.now() / 1000,
            ...(opts.job === undefined ? {} : { jobs: opts.job }),
            dryRun: opts.dryRun === true,
            fileConcurrency: PRUNE_FILE_CONCURRENCY,
            progress: (done, total) => bar?.update(done, total),
          });
        } finally {
          bar?.stop();
        }
        process.stdout.write(summaryText(summary, opts.dryRun === true));
        if (summary.problems.length > 0) process.exitCode = 1;
      } finally {
        await store.close();
        lock.release();
      }
    });
}

/** The summary lines. */
export function summaryText(s: PruneSummary, dryRun: boolean): string {
  const lines = dryRun
    ? [
        `Would remove ${s.runsRemoved} run(s), freeing ${formatBytes(s.bytesFreed)} (${s.bytesFreed} bytes)`,
        `Would compress ${s.outputsCompressed} output(s) holding ${formatBytes(s.bytesSaved)}`,
      ]
    : [
        `Removed ${s.runsRemoved} run(s), freed ${formatBytes(s.bytesFreed)} (${s.bytesFreed} bytes)`,
        `Compressed ${s.outputsCompressed} output(s), saved ${formatBytes(s.bytesSaved)}`,
      ];
  if (s.missingDirs > 0) lines.push(`${s.missingDirs} run director${s.missingDirs === 1 ? 'y was' : 'ies were'} already gone`);
  if (s.problems.length > 0) lines.push(`${s.problems.length} problem(s), logged above`);
  return `${lines.join('\n')}\n`;
}

/** A progress bar on stderr (loaded only on a terminal). */
async function progressBar(): Promise<{ update(done: number, total: number): void; stop(): void }> {
  const { default: progress } = await import('cli-progress');
  const bar = new progress.SingleBar({ format: 'Pruning [{bar}] {value}/{total} runs, {eta_formatted} left', stream: process.stderr, hideCursor: true }, progress.Presets.legacy);
  let started = false;
  return {
    update(done, total) {
      if (!started) bar.start(total, done);
      else bar.update(done);
      started = true;
    },
    stop() {
      if (started) bar.stop();
    },
  };
}
