/**
 * `dsari pause JOB… | --all [--reason TEXT]` and `dsari resume JOB… | --all` (SPEC-BEYOND §12.4):
 * the pause is written to the run store's pause table, where the daemon (which reads it every
 * second), every reader and every later start see it.
 */
import { userInfo } from 'node:os';
import type { Command } from 'commander';
import { UsageError } from '../errors.js';
import { formatIso, localZone } from '../schedule/time.js';
import { PAUSE_ALL, type RunStore } from '../store/types.js';
import { newCommand, withGlobalOptions } from './common.js';
import { type CliContext, loadContext } from './context.js';
import { openWriter } from './writer.js';

interface PauseOptions {
  all?: boolean;
  reason?: string;
}

/** Who is pausing: the user name ($USER, else the account's), as the pause table records it. */
function whoAmI(): string {
  const env = process.env['USER'] ?? process.env['LOGNAME'];
  if (env !== undefined && env !== '') return env;
  try {
    return userInfo().username;
  } catch {
    return `uid ${process.getuid?.() ?? '?'}`;
  }
}

/** The jobs named on the command line, checked against the configuration. @throws UsageError */
function targets(ctx: CliContext, jobs: readonly string[], all: boolean, verb: string): string[] {
  if (all && jobs.length > 0) throw new UsageError(`${verb}: give job names or --all, not both`);
  if (!all && jobs.length === 0) throw new UsageError(`${verb}: name at least one job, or --all`);
  if (all) return [PAUSE_ALL];
  const unknown = jobs.filter((j) => !ctx.config.jobs.has(j));
  if (unknown.length > 0) throw new UsageError(`${verb}: no job named ${unknown.map((j) => JSON.stringify(j)).join(', ')} in the configuration`);
  return [...new Set(jobs)];
}

const label = (name: string): string => (name === PAUSE_ALL ? 'the scheduler (every job)' : `job ${name}`);
const Label = (name: string): string => (name === PAUSE_ALL ? 'The scheduler (every job)' : `Job ${name}`);

async function withStore(ctx: CliContext, fn: (store: RunStore) => Promise<void>): Promise<void> {
  const store = await openWriter(ctx);
  try {
    await fn(store);
  } finally {
    await store.close();
  }
}

export function pauseCommand(name = 'pause'): Command {
  return withGlobalOptions(newCommand(name, 'pause jobs: scheduled fires are skipped, other runs wait until resumed'))
    .argument('[job...]', 'jobs to pause')
    .option('--all', 'pause the whole scheduler')
    .option('--reason <text>', 'why (shown in dsari-info, the report and the console)')
    .action(async (jobs: string[], opts: PauseOptions, self: Command) => {
      const ctx = loadContext(self);
      const names = targets(ctx, jobs, opts.all === true, 'pause');
      const by = whoAmI();
      await withStore(ctx, async (store) => {
        const existing = new Map((await store.listPauses()).map((p) => [p.jobName, p]));
        for (const job of names) {
          const changed = await store.addPause({ jobName: job, pausedAt: Date.now() / 1000, pausedBy: by, reason: opts.reason ?? null });
          const was = existing.get(job);
          if (changed) process.stdout.write(`Paused ${label(job)}${opts.reason ? `: ${opts.reason}` : ''}\n`);
          else process.stdout.write(`${Label(job)} is already paused${was ? ` (since ${formatIso(was.pausedAt, localZone())}, by ${was.pausedBy}${was.reason ? `: ${was.reason}` : ''})` : ''}\n`);
        }
      });
    });
}

export function resumeCommand(name = 'resume'): Command {
  return withGlobalOptions(newCommand(name, 'resume paused jobs: waiting runs start, the schedule fires again'))
    .argument('[job...]', 'jobs to resume')
    .option('--all', 'resume the whole scheduler (a pause of --all; jobs paused one by one stay paused)')
    .action(async (jobs: string[], opts: PauseOptions, self: Command) => {
      const ctx = loadContext(self);
      const names = targets(ctx, jobs, opts.all === true, 'resume');
      await withStore(ctx, async (store) => {
        for (const job of names) {
          const changed = await store.removePause(job);
          process.stdout.write(changed ? `Resumed ${label(job)}\n` : `${Label(job)} is not paused\n`);
        }
      });
    });
}
