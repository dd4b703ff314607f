/**
 * `--log-format text|json` for the long-running commands (the daemon, the exporter): how their
 * log lines are written. A command with this option is a service: its lines carry timestamps
 * unless stderr is the systemd journal (log.ts, `createLogger`).
 */
import { type Command, Option } from 'commander';
import { LOG_FORMATS, type LogFormat } from '../log.js';

/** Adds `--log-format <format>` (text or json; anything else is a usage error, exit 2). */
export function withLogFormat(cmd: Command): Command {
  return cmd.addOption(
    new Option('--log-format <format>', 'how log lines are written: text, or json (one object per line with level, msg, job, run_id, pid, exit_code)')
      .choices(LOG_FORMATS)
      .default('text'),
  );
}

/** The log format chosen on `cmd` or a parent; undefined when the command has no such option. */
export function logFormatOf(cmd: Command): LogFormat | undefined {
  return cmd.optsWithGlobals<{ logFormat?: LogFormat }>().logFormat;
}
