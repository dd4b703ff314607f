/**
 * `dsari completion bash|zsh|fish` prints a completion script; the hidden `dsari __complete
 * INDEX WORDS…` is what the scripts call on each TAB (ops/completion.ts).
 */
import { Argument, Command } from 'commander';
import { loadConfig } from '../config/index.js';
import { Logger, MemorySink } from '../log.js';
import { type CommandInfo, describeCommand, standaloneCommands } from '../ops/cli-tree.js';
import { type Candidate, completeWords, completionScript, formatCompletion, SHELLS, type Shell } from '../ops/completion.js';
import { createStore } from '../store/index.js';
import { UsageError } from '../errors.js';
import { newCommand } from './common.js';

/** How many recent run ids are offered. */
const RUN_IDS = 200;

/** The program this command belongs to, described (the root of the tree). */
function rootOf(cmd: Command): CommandInfo {
  let top = cmd;
  while (top.parent !== null) top = top.parent;
  return describeCommand(top);
}

/** `completion <shell>`. */
export function completionCommand(name = 'completion'): Command {
  return newCommand(name, 'print a shell completion script (commands, options, job names, run ids)')
    .addArgument(new Argument('<shell>', 'the shell to complete in').choices(SHELLS))
    .addHelpText(
      'after',
      `
Job names come from the configuration (-c on the command line, else the usual places); run ids
from its database (the ${RUN_IDS} most recent).

Example:
  source <(dsari completion bash)                       # this shell
  dsari completion bash > /etc/bash_completion.d/dsari  # every bash
  dsari completion zsh > "\${fpath[1]}/_dsari"            # zsh, after compinit
  dsari completion fish > ~/.config/fish/completions/dsari.fish`,
    )
    .action((shell: Shell, _opts: unknown, cmd: Command) => {
      let top = cmd;
      while (top.parent !== null) top = top.parent;
      const programs = [top.name(), ...[...standaloneCommands(top.name())].map((c) => `${top.name()}-${c}`)];
      process.stdout.write(completionScript(shell, programs));
    });
}

/** Lookups that never throw: a broken configuration or database just completes nothing. */
const quietLog = new Logger({ sink: new MemorySink() });

async function jobNames(configDir: string | undefined): Promise<Candidate[]> {
  const config = loadConfig({ configDir, log: quietLog });
  return [...config.jobs.keys()].sort().map((value) => ({ value, description: 'job' }));
}

async function runIds(configDir: string | undefined): Promise<Candidate[]> {
  const config = loadConfig({ configDir, log: quietLog });
  const store = createStore(config.database, { log: quietLog, dataDir: config.dataDir, readOnly: true });
  await store.open();
  try {
    const runs = await store.listRuns({ limit: RUN_IDS, order: 'desc' });
    return runs.map((r) => ({ value: r.runId, description: `${r.jobName}${r.stopTime === null ? ' (running)' : ` exit ${r.exitCode ?? '?'}`}` }));
  } finally {
    await store.close();
  }
}

function orNothing(lookup: (dir: string | undefined) => Promise<Candidate[]>): (dir: string | undefined) => Promise<Candidate[]> {
  return (dir) => lookup(dir).catch(() => []);
}

/**
 * `__complete INDEX -- WORDS…` (hidden): the candidates for WORDS[INDEX], as the scripts read
 * them. The words are taken from argv as given: commander would parse their options and drop
 * their `--`.
 */
export function completeCommand(name = '__complete', argv: readonly string[] = process.argv): Command {
  return new Command(name)
    .description('complete a command line (used by the completion scripts)')
    .argument('<index>', 'index of the word to complete')
    .helpOption(false)
    .allowUnknownOption()
    .allowExcessArguments()
    .action(async (index: string, _opts: unknown, cmd: Command) => {
      const at = Number(index);
      const dashdash = argv.indexOf('--', argv.indexOf(name));
      if (!Number.isInteger(at) || at < 0 || dashdash < 0) throw new UsageError(`usage: ${name} INDEX -- WORDS…`);
      const words = argv.slice(dashdash + 1);
      const root = rootOf(cmd);
      const completion = await completeWords(root, words, at, { jobs: orNothing(jobNames), runs: orNothing(runIds) });
      process.stdout.write(formatCompletion(completion));
    });
}
