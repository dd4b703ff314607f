/**
 * The commands as data, read from the very commander definitions that print `--help`: what the
 * manual pages (man.ts) and the shell completions (completion.ts) are generated from, so neither
 * can say something `--help` does not.
 */
import { readFileSync } from 'node:fs';
import type { Argument, Command, Help, Option } from 'commander';

/** What a value completes to. */
export type ValueKind = 'job' | 'run' | 'dir' | 'file' | 'choice' | 'other';

export interface OptionInfo {
  /** As `--help` shows it: `-c, --config-dir <dir>`. */
  readonly term: string;
  /** As `--help` shows it, with default and choices. */
  readonly description: string;
  readonly short: string | undefined;
  readonly long: string | undefined;
  readonly takesValue: boolean;
  readonly kind: ValueKind;
  readonly choices: readonly string[];
}

export interface ArgumentInfo {
  readonly term: string;
  readonly description: string;
  readonly kind: ValueKind;
  readonly choices: readonly string[];
}

export interface CommandInfo {
  /** Words from the root: `['dsari', 'info', 'job', 'list']`. */
  readonly path: readonly string[];
  readonly name: string;
  /** `--help`'s usage line, without "Usage: ". */
  readonly usage: string;
  readonly description: string;
  /** The term in the parent's command list: `trigger [options] <job>`. */
  readonly term: string;
  /** The arguments `--help` lists (commander lists none when none has a description). */
  readonly arguments: readonly ArgumentInfo[];
  /** Every argument, in order, listed or not (what completion needs). */
  readonly positionals: readonly ArgumentInfo[];
  readonly options: readonly OptionInfo[];
  /** Text printed before and after the generated part of `--help` (addHelpText). */
  readonly before: string;
  readonly after: string;
  readonly commands: readonly CommandInfo[];
}

/** Names of values that are job names / run ids (option long names and argument names). */
const JOB_NAMES = new Set(['job', 'job-name']);
const RUN_NAMES = new Set(['run', 'run-id', 'id']);

function kindOf(name: string, placeholder: string, choices: readonly string[]): ValueKind {
  if (choices.length > 0) return 'choice';
  if (JOB_NAMES.has(name)) return 'job';
  if (RUN_NAMES.has(name)) return 'run';
  if (/^<(dir|directory)>$/.test(placeholder)) return 'dir';
  if (/^<(file|path|dsn-or-file)>$/.test(placeholder)) return 'file';
  return 'other';
}

/** The text a command prints at `position` ('before' / 'after', its addHelpText). */
function helpText(cmd: Command, position: 'before' | 'after'): string {
  let text = '';
  // addHelpText registers listeners on these events; outputHelp emits them with this context.
  // A Command is an EventEmitter at run time; its type declarations do not say so.
  (cmd as unknown as NodeJS.EventEmitter).emit(`${position}Help`, { error: false, command: cmd, write: (s: string) => (text += s) });
  return text.replace(/^\n+/, '').trimEnd();
}

function argumentInfo(help: Help, a: Argument): ArgumentInfo {
  const choices = a.argChoices ?? [];
  return { term: help.argumentTerm(a), description: help.argumentDescription(a), kind: kindOf(a.name(), `<${a.name()}>`, choices), choices };
}

function optionInfo(help: Help, o: Option): OptionInfo {
  const choices = o.argChoices ?? [];
  const placeholder = /<[^>]+>|\[[^\]]+\]/.exec(o.flags)?.[0] ?? '';
  const longName = o.long?.replace(/^--/, '') ?? '';
  return {
    term: help.optionTerm(o),
    description: help.optionDescription(o),
    short: o.short,
    long: o.long,
    takesValue: o.required || o.optional,
    kind: o.required || o.optional ? kindOf(longName, placeholder, choices) : 'other',
    choices,
  };
}

/** The command and its visible subcommands (commander's implicit `help` command left out). */
export function describeCommand(cmd: Command, parentPath: readonly string[] = []): CommandInfo {
  const help = cmd.createHelp();
  const path = [...parentPath, cmd.name()];
  return {
    path,
    name: cmd.name(),
    usage: help.commandUsage(cmd),
    description: help.commandDescription(cmd),
    term: help.subcommandTerm(cmd),
    arguments: help.visibleArguments(cmd).map((a) => argumentInfo(help, a)),
    positionals: cmd.registeredArguments.map((a) => argumentInfo(help, a)),
    options: help.visibleOptions(cmd).map((o) => optionInfo(help, o)),
    before: helpText(cmd, 'before'),
    after: helpText(cmd, 'after'),
    commands: help
      .visibleCommands(cmd)
      // commander adds a `help [command]` entry that is not one of the commands.
      .filter((c) => cmd.commands.includes(c))
      .map((c) => describeCommand(c, path)),
  };
}

/** Every command of the tree, depth first (the root first). */
export function allCommands(root: CommandInfo): CommandInfo[] {
  return [root, ...root.commands.flatMap(allCommands)];
}

/**
 * The commands of `root` that are programs of their own (package.json `bin`): for `dsari`,
 * `dsari-daemon` makes `daemon` one.
 */
export function standaloneCommands(root: string): Set<string> {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { bin?: Record<string, string> };
  return new Set(Object.keys(pkg.bin ?? {}).flatMap((b) => (b.startsWith(`${root}-`) ? [b.slice(root.length + 1)] : [])));
}
