#!/usr/bin/env node
// First import: for `dsari daemon` the signal handlers exist before anything else is loaded.
import './daemon-signals.js';
import { newCommand, runCli, withGlobalOptions } from './common.js';
import { daemonCommand } from './daemon.js';
import { exporterCommand } from './exporter.js';
import { infoCommand } from './info/index.js';
import { migrateCommand } from './migrate.js';
import { renderCommand } from './render.js';
import { scheduleCommand } from './schedule.js';
import { triggerCommand } from './trigger.js';

/** The `dsari` command: every tool as a subcommand. */
export function dsariCommand() {
  return withGlobalOptions(newCommand('dsari', 'Do Something And Record It: a job-scheduling daemon'))
    .addCommand(daemonCommand('daemon'))
    .addCommand(infoCommand('info'))
    .addCommand(renderCommand('render'))
    .addCommand(exporterCommand('prometheus-exporter'))
    .addCommand(triggerCommand('trigger'))
    .addCommand(scheduleCommand('schedule'))
    .addCommand(migrateCommand('migrate'));
}

await runCli(dsariCommand());
