/**
 * What every command shares: the `-c/--config-dir` and `--debug` options, exit statuses
 * (0 ok, 1 user error with one line on stderr, 2 bad usage) and the error-to-exit mapping.
 * Only cli/ writes to stdout or exits the process.
 */
import { Command, CommanderError } from 'commander';
import { DsariError, errorMessage } from '../errors.js';
import { VERSION } from '../version.js';

export const EXIT_OK = 0;
export const EXIT_USER_ERROR = 1;
export const EXIT_USAGE = 2;

/** Options every command accepts. */
export interface GlobalOptions {
  configDir?: string;
  debug?: boolean;
}

/** A new command with --version, -c/--config-dir and --debug, and exit codes as SPEC §1. */
export function newCommand(name: string, description: string): Command {
  return new Command(name)
    .description(description)
    .version(VERSION, '--version', 'print the version and exit')
    .helpOption('-h, --help', 'show this help and exit')
    .showHelpAfterError('(run with --help for usage)');
}

/** Adds -c/--config-dir and --debug to a command. */
export function withGlobalOptions(cmd: Command): Command {
  return cmd
    .option('-c, --config-dir <dir>', 'configuration directory (default: $DSARI_HOME/etc, ~/.dsari/etc, …)')
    .option('--debug', 'log debugging detail');
}

/** Applies exitOverride recursively so usage errors become exit 2 and help/version exit 0. */
export function configureExits(cmd: Command): Command {
  cmd.exitOverride();
  for (const sub of cmd.commands) configureExits(sub);
  return cmd;
}

/**
 * Parses argv and runs the command; maps errors to exit statuses. Never returns normally for
 * errors: the process exit code is set and the promise resolves.
 */
export async function runCli(program: Command, argv: readonly string[] = process.argv): Promise<void> {
  configureExits(program);
  exitQuietlyOnClosedStdout();
  try {
    await program.parseAsync(argv as string[]);
  } catch (err) {
    process.exitCode = exitCodeFor(err);
    if (!(err instanceof CommanderError)) {
      process.stderr.write(`${program.name()}: ${errorMessage(err)}\n`);
      if (!(err instanceof DsariError) && process.env['DSARI_DEBUG']) {
        process.stderr.write(`${(err as Error).stack ?? ''}\n`);
      }
    }
  }
}

/** Exit status for an error thrown by a command. */
export function exitCodeFor(err: unknown): number {
  if (err instanceof CommanderError) {
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') {
      return EXIT_OK;
    }
    return err.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
  }
  if (err instanceof NotImplementedError) return EXIT_USAGE;
  return EXIT_USER_ERROR;
}

/** Thrown by commands that later issues fill in. */
export class NotImplementedError extends DsariError {
  constructor(what: string) {
    super('E_NOT_IMPLEMENTED', `${what} is not built yet`);
  }
}

/** Collects a repeatable option into an array (`--job a --job b`). */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/**
 * `dsari … | head` closes stdout early; like other Unix tools, end quietly with status 0 then
 * instead of dying with an unhandled EPIPE stack trace.
 */
function exitQuietlyOnClosedStdout(): void {
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(EXIT_OK);
    throw err;
  });
}
