#!/usr/bin/env node
// For `dsari daemon` the signal handlers are installed before anything else is even loaded:
// this module imports only them statically, and the commands afterwards.
import './daemon-signals.js';

const { newCommand, runCli, withGlobalOptions } = await import('./common.js');
const { daemonCommand } = await import('./daemon.js');
const { exporterCommand } = await import('./exporter.js');
const { infoCommand } = await import('./info/index.js');
const { migrateCommand } = await import('./migrate.js');
const { pauseCommand, resumeCommand } = await import('./pause.js');
const { pruneCommand } = await import('./prune.js');
const { renderCommand } = await import('./render.js');
const { scheduleCommand } = await import('./schedule.js');
const { triggerCommand } = await import('./trigger.js');
const { completeCommand, completionCommand } = await import('./completion.js');
const { doctorCommand } = await import('./doctor.js');
const { manpagesCommand } = await import('./manpages.js');
const { tokenCommand } = await import('./token.js');

/** The `dsari` command: every tool as a subcommand. */
export function dsariCommand() {
  return withGlobalOptions(newCommand('dsari', 'Do Something And Record It: a job-scheduling daemon'))
    .addCommand(daemonCommand('daemon'))
    .addCommand(infoCommand('info'))
    .addCommand(renderCommand('render'))
    .addCommand(exporterCommand('prometheus-exporter'))
    .addCommand(triggerCommand('trigger'))
    .addCommand(scheduleCommand('schedule'))
    .addCommand(migrateCommand('migrate'))
    .addCommand(pauseCommand('pause'))
    .addCommand(resumeCommand('resume'))
    .addCommand(doctorCommand('doctor'))
    .addCommand(completionCommand('completion'))
    .addCommand(completeCommand('__complete'), { hidden: true })
    .addCommand(tokenCommand('token'))
    .addCommand(manpagesCommand('manpages'), { hidden: true })
    .addCommand(pruneCommand('prune'));
}

await runCli(dsariCommand());
