/**
 * Which subcommand a `dsari …` command line runs, so that `dsari` imports only that command's
 * module: every module loaded costs start-up time, and `dsari schedule` has no use for the
 * daemon, the report templates or the exporter (docs/BENCHMARKS.md, "Start-up").
 */

/**
 * The subcommand named by `args` (argv without node and the script), skipping the global options
 * before it (`-c DIR`, `--config-dir DIR`, `--config-dir=DIR`, `-cDIR`, `--debug`); undefined
 * when the first other word is not one of `names` or is any other option (`--help`, `--version`,
 * a typo), so that the caller loads every command and commander answers as it always has.
 */
export function requestedSubcommand(args: readonly string[], names: readonly string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    if (a === '-c' || a === '--config-dir') {
      i++;
      continue;
    }
    if (a === '--debug' || a.startsWith('--config-dir=') || /^-c./.test(a)) continue;
    return names.includes(a) ? a : undefined;
  }
  return undefined;
}
