/** The command line of a run (SPEC §3 `command`, `command_append_run`). */
import type { ArgvInput } from './types.js';

/**
 * A new array: the job's command, plus the job name and run id when `command_append_run` is
 * set. The configured command is never modified (the original appended in place, so a
 * long-lived job config grew with every run).
 */
export function buildArgv(input: ArgvInput): string[] {
  const argv = [...input.command];
  if (input.commandAppendRun) argv.push(input.jobName, input.runId);
  return argv;
}
