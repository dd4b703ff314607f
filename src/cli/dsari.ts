#!/usr/bin/env node
// For `dsari daemon` the signal handlers are installed before anything else is even loaded:
// this module imports only them statically, and the commands afterwards.
import './daemon-signals.js';
import type { Command } from 'commander';

const { newCommand, runCli, withGlobalOptions } = await import('./common.js');
const { requestedSubcommand } = await import('./subcommand.js');

/**
 * The subcommands, each loaded by its own import: a command line that names one loads only
 * that one (`dsari schedule` does not load the daemon); help and anything unclear load all.
 */
const COMMANDS: Record<string, { load: () => Promise<Command>; hidden?: boolean }> = {
  daemon: { load: async () => (await import('./daemon.js')).daemonCommand('daemon') },
  info: { load: async () => (await import('./info/index.js')).infoCommand('info') },
  render: { load: async () => (await import('./render.js')).renderCommand('render') },
  'prometheus-exporter': { load: async () => (await import('./exporter.js')).exporterCommand('prometheus-exporter') },
  trigger: { load: async () => (await import('./trigger.js')).triggerCommand('trigger') },
  schedule: { load: async () => (await import('./schedule.js')).scheduleCommand('schedule') },
  migrate: { load: async () => (await import('./migrate.js')).migrateCommand('migrate') },
  pause: { load: async () => (await import('./pause.js')).pauseCommand('pause') },
  resume: { load: async () => (await import('./pause.js')).resumeCommand('resume') },
  doctor: { load: async () => (await import('./doctor.js')).doctorCommand('doctor') },
  completion: { load: async () => (await import('./completion.js')).completionCommand('completion') },
  prune: { load: async () => (await import('./prune.js')).pruneCommand('prune') },
  simulate: { load: async () => (await import('./simulate.js')).simulateCommand('simulate') },
  token: { load: async () => (await import('./token.js')).tokenCommand('token') },
  __complete: { load: async () => (await import('./completion.js')).completeCommand('__complete'), hidden: true },
  manpages: { load: async () => (await import('./manpages.js')).manpagesCommand('manpages'), hidden: true },
};

/** Commands that describe the whole program (completion, man pages): they need every command. */
const WHOLE_PROGRAM = new Set(['completion', '__complete', 'manpages']);

/** The `dsari` command: every tool as a subcommand (or only `only`). */
export async function dsariCommand(only?: string): Promise<Command> {
  const program = withGlobalOptions(newCommand('dsari', 'Do Something And Record It: a job-scheduling daemon'));
  for (const [name, { load, hidden }] of Object.entries(COMMANDS)) {
    if (only === undefined || only === name) program.addCommand(await load(), hidden === true ? { hidden: true } : {});
  }
  return program;
}

const alone = Object.keys(COMMANDS).filter((name) => !WHOLE_PROGRAM.has(name));
const args = process.argv.slice(2);
if (args.length === 1 && args[0] === '--version') {
  // What commander would print, without loading every subcommand first (0.37 → 0.1 s).
  process.stdout.write(`${(await import('../version.js')).VERSION}\n`);
} else {
  await runCli(await dsariCommand(requestedSubcommand(args, alone)));
}
