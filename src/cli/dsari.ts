#!/usr/bin/env node
// For `dsari daemon` the signal handlers are installed before anything else is even loaded:
// this module imports only them statically, and the commands afterwards.
import './daemon-signals.js';

const { newCommand, runCli, withGlobalOptions } = await import('./common.js');
const { requestedSubcommand } = await import('./subcommand.js');

/**
 * The subcommands, each loaded by its own import: a command line that names one loads only
 * that one (`dsari schedule` does not load the daemon); help and anything unclear load all.
 */
const COMMANDS = {
  daemon: async () => (await import('./daemon.js')).daemonCommand('daemon'),
  info: async () => (await import('./info/index.js')).infoCommand('info'),
  render: async () => (await import('./render.js')).renderCommand('render'),
  'prometheus-exporter': async () => (await import('./exporter.js')).exporterCommand('prometheus-exporter'),
  trigger: async () => (await import('./trigger.js')).triggerCommand('trigger'),
  schedule: async () => (await import('./schedule.js')).scheduleCommand('schedule'),
  migrate: async () => (await import('./migrate.js')).migrateCommand('migrate'),
  pause: async () => (await import('./pause.js')).pauseCommand('pause'),
  resume: async () => (await import('./pause.js')).resumeCommand('resume'),
};

/** The `dsari` command: every tool as a subcommand (or only `only`). */
export async function dsariCommand(only?: string) {
  const program = withGlobalOptions(newCommand('dsari', 'Do Something And Record It: a job-scheduling daemon'));
  for (const [name, load] of Object.entries(COMMANDS)) {
    if (only === undefined || only === name) program.addCommand(await load());
  }
  return program;
}

await runCli(await dsariCommand(requestedSubcommand(process.argv.slice(2), Object.keys(COMMANDS))));
