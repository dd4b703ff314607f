import type { Command } from 'commander';
import { newCommand, withGlobalOptions } from '../common.js';
import { infoConfigCommand } from './config.js';
import { infoJobCommand } from './job.js';
import { infoRunCommand } from './run.js';
import { infoShellCommand } from './shell.js';

/** `dsari-info` / `dsari info` (SPEC §9). Leaves read -c/--debug with optsWithGlobals(). */
export function infoCommand(name = 'dsari-info'): Command {
  return withGlobalOptions(newCommand(name, 'read-only information: configuration, jobs, runs'))
    .addCommand(infoConfigCommand())
    .addCommand(infoJobCommand())
    .addCommand(infoRunCommand())
    .addCommand(infoShellCommand());
}
