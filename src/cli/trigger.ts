/**
 * `dsari trigger JOB` (SPEC §1 [beyond]): writes DATA_DIR/trigger/JOB/trigger.json the safe way
 * — a temporary name first, then moved into place — so the daemon never sees half a file. An
 * existing trigger that the daemon has not read yet is never overwritten: the command waits
 * for it to be taken (up to --wait seconds) and then places its own.
 */
import { randomBytes } from 'node:crypto';
import { linkSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { identityViolations } from '../executor/index.js';
import { errorMessage, UsageError } from '../errors.js';
import { localZone, parseDateTime } from '../schedule/time.js';
import { collect, newCommand, withGlobalOptions } from './common.js';
import { loadContext } from './context.js';

interface TriggerOptions {
  env?: string[];
  at?: string;
  type?: string;
  description?: string;
  wait: string;
}

/** The trigger content for the options. @throws UsageError */
export function triggerContent(opts: TriggerOptions, zone: string): Record<string, unknown> {
  const content: Record<string, unknown> = {};
  if (opts.type !== undefined) content['type'] = opts.type;
  if (opts.description !== undefined) content['description'] = opts.description;
  if (opts.env !== undefined && opts.env.length > 0) {
    const env: Record<string, string> = {};
    for (const pair of opts.env) {
      const i = pair.indexOf('=');
      if (i <= 0) throw new UsageError(`--env ${JSON.stringify(pair)}: expected NAME=VALUE`);
      env[pair.slice(0, i)] = pair.slice(i + 1);
    }
    const bad = identityViolations(env);
    if (bad.length > 0) throw new UsageError(`--env may not set ${bad.join(', ')} (the run's identity)`);
    content['environment'] = env;
  }
  if (opts.at !== undefined) {
    try {
      parseDateTime(opts.at, zone);
    } catch (err) {
      throw new UsageError(`--at: ${errorMessage(err)}`, { cause: err });
    }
    const text = opts.at.trim();
    if (/^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/.test(text)) {
      content['schedule_time'] = Number(text);
    } else {
      content['schedule_time'] = text;
      // A time without an offset means the writer's wall clock, wherever the daemon runs.
      if (!/(Z|z|[+-]\d{2}(:?\d{2})?)$/.test(text.replace(/^\d{4}-\d{2}-\d{2}/, ''))) content['schedule_timezone'] = zone;
    }
  }
  return content;
}

/** Places `file` at `target` unless a trigger is already there; true when placed. */
function placeIfFree(file: string, target: string): boolean {
  try {
    linkSync(file, target);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
}

/** `dsari trigger JOB` (SPEC §1 [beyond]): writes a trigger file atomically. */
export function triggerCommand(name = 'trigger'): Command {
  return withGlobalOptions(newCommand(name, 'trigger a run of JOB by writing its trigger file atomically'))
    .argument('<job>', 'job name')
    .option('--env <K=V>', 'set an environment variable in the run (repeatable)', collect)
    .option('--at <time>', 'schedule the run for later: ISO 8601 date-time (no offset = local time) or epoch seconds')
    .option('--type <type>', 'trigger type shown in reports')
    .option('--description <text>', 'description shown in reports')
    .option('--wait <seconds>', 'how long to wait for an earlier trigger of JOB to be taken by the daemon', '10')
    .addHelpText(
      'after',
      `
Writes DATA_DIR/trigger/JOB/trigger.json; the daemon notices it at once. An earlier trigger of
the job that the daemon has not taken yet is not overwritten: this waits for it (--wait).

Example:
  dsari trigger backup --env TARGET=/mnt/usb --description "before upgrade"
  dsari trigger report --at 2030-01-01T06:00:00`,
    )
    .action(async (jobName: string, opts: TriggerOptions, cmd: Command) => {
      const ctx = loadContext(cmd);
      if (!ctx.config.jobs.has(jobName)) {
        throw new UsageError(`no job named "${jobName}" in the configuration (${ctx.config.configDir})`);
      }
      const waitSeconds = Number(opts.wait);
      if (!Number.isFinite(waitSeconds) || waitSeconds < 0) throw new UsageError(`--wait: "${opts.wait}" is not a number of seconds`);
      const content = triggerContent(opts, localZone());
      const dir = join(ctx.config.dataDir, 'trigger', jobName);
      const target = join(dir, 'trigger.json');
      const tmp = join(dir, `.trigger.json.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
      try {
        mkdirSync(dir, { recursive: true });
        writeFileSync(tmp, `${JSON.stringify(content, null, 2)}\n`, { mode: 0o644 });
        const deadline = Date.now() + waitSeconds * 1000;
        while (!placeIfFree(tmp, target)) {
          if (Date.now() >= deadline) {
            throw new UsageError(`a trigger for "${jobName}" is still waiting to be read (${target}); is the daemon running? Not overwritten.`);
          }
          await new Promise((r) => setTimeout(r, 50));
        }
      } catch (err) {
        if (err instanceof UsageError) throw err;
        throw new UsageError(`cannot write ${target}: ${errorMessage(err)}`, { cause: err });
      } finally {
        rmSync(tmp, { force: true });
      }
      process.stdout.write(`Triggered ${jobName}: ${target}\n`);
    });
}
