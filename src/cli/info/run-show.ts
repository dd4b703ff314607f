/**
 * `dsari-info run show RUN_ID`: one run in detail, with its notifications and their outcome
 * (SPEC-BEYOND §12.6). Notifier URLs and headers are never shown: rows name a notifier by label.
 */
import type { Command } from 'commander';
import { UsageError, errorMessage } from '../../errors.js';
import { runNotifications, type NotificationRow } from '../../notify/outbox.js';
import { runDirectory } from '../../report/run-directory.js';
import type { RunRecord, RunStore } from '../../store/types.js';
import { newCommand } from '../common.js';
import { loadContext, openStore } from '../context.js';
import { formatTimedelta, withOutput } from '../output.js';
import { isoTime, jsonText } from './format.js';

/** The `show` subcommand of `dsari-info run`. */
export function runShowCommand(): Command {
  return newCommand('show', 'show one run in detail, with its notifications')
    .argument('<run-id>')
    .option('--format <format>', 'pretty (default) or json')
    .action(async (runId: string, opts: { format?: string }, self: Command) => {
      if (opts.format !== undefined && opts.format !== 'pretty' && opts.format !== 'json') {
        throw new UsageError(`--format: expected "pretty" or "json", got "${opts.format}"`);
      }
      const ctx = loadContext(self);
      const store = await openStore(ctx);
      try {
        const run = await store.getRun(runId);
        if (run === null) throw new UsageError(`cannot find run ID ${runId}`);
        const notes = await notificationsOf(store, runId);
        const dir = runDirectory(ctx.config.dataDir, run.jobName, run.runId);
        await withOutput(async (out) => {
          await out.write(opts.format === 'json' ? jsonText(showMapping(run, dir, notes)) : prettyShow(run, dir, notes));
        });
      } finally {
        await store.close();
      }
    });
}

async function notificationsOf(store: RunStore, runId: string): Promise<NotificationRow[] | string> {
  if (store.sqlRunner === undefined) return [];
  try {
    return await runNotifications(store.sqlRunner(), runId);
  } catch (err) {
    return `unavailable (${errorMessage(err)})`;
  }
}

function showMapping(run: RunRecord, dir: string, notes: NotificationRow[] | string): Record<string, unknown> {
  return {
    run_id: run.runId,
    job_name: run.jobName,
    running: run.running,
    exit_code: run.exitCode,
    schedule_time: isoTime(run.scheduleTime),
    start_time: isoTime(run.startTime),
    stop_time: run.stopTime === null ? null : isoTime(run.stopTime),
    trigger_type: run.triggerType,
    trigger_data: run.triggerData,
    run_data: run.runData,
    run_dir: dir,
    notifications:
      typeof notes === 'string'
        ? notes
        : notes.map((n) => ({
            event: n.event,
            notifier: n.label,
            state: n.state,
            attempts: n.attempts,
            last_error: n.lastError,
            next_attempt: n.state === 'pending' ? isoTime(n.nextAttempt) : null,
            finished_at: n.finishedAt === null ? null : isoTime(n.finishedAt),
          })),
  };
}

function prettyShow(run: RunRecord, dir: string, notes: NotificationRow[] | string): string {
  const lines: [string, string][] = [
    ['Run ID', run.runId],
    ['Job', run.jobName],
    ['Status', run.running ? 'running' : `finished, exit code ${run.exitCode ?? '?'}`],
    ['Trigger', run.triggerType],
    ['Schedule time', isoTime(run.scheduleTime)],
    ['Start time', isoTime(run.startTime)],
  ];
  if (run.stopTime !== null) lines.push(['Stop time', isoTime(run.stopTime)], ['Duration', formatTimedelta(run.stopTime - run.startTime)]);
  lines.push(['Run directory', dir]);
  const status = run.runData['dsari_status'];
  if (typeof status === 'string') lines.push(['dsari status', status]);
  let text = lines.map(([k, v]) => `${`${k}:`.padEnd(15)}${v}\n`).join('');
  if (typeof notes === 'string') return `${text}Notifications: ${notes}\n`;
  if (notes.length === 0) return `${text}Notifications: none\n`;
  text += 'Notifications:\n';
  const rows = notes.map((n) => [
    n.event,
    n.label,
    n.state === 'pending' && n.attempts > 0 ? 'pending' : n.state,
    `${n.attempts} attempt${n.attempts === 1 ? '' : 's'}`,
    n.state === 'pending' && n.attempts > 0 ? `${n.lastError ?? ''} (next attempt ${isoTime(n.nextAttempt)})` : (n.lastError ?? ''),
  ]);
  const widths = [0, 1, 2, 3].map((i) => Math.max(...rows.map((r) => r[i]!.length)));
  for (const r of rows) text += `  ${r.map((c, i) => (i < 4 ? c.padEnd(widths[i]!) : c)).join('  ').trimEnd()}\n`;
  return text;
}
