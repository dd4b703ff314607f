/**
 * `dsari doctor`: checks the host for what the daemon needs (ops/doctor.ts) and prints each
 * finding with its fix; exits 1 when something would stop the daemon.
 */
import type { Command } from 'commander';
import { type Finding, runDoctor } from '../ops/doctor.js';
import { EXIT_OK, EXIT_USER_ERROR, newCommand, withGlobalOptions } from './common.js';
import { globalOptions } from './context.js';

const LABEL: Record<Finding['severity'], string> = { ok: 'ok', warning: 'warning', error: 'ERROR' };

/** The findings as lines: severity, check, message, and the fix indented below. */
export function formatFindings(findings: readonly Finding[]): string {
  const width = Math.max(...findings.map((f) => f.check.length));
  const lines: string[] = [];
  for (const f of findings) {
    lines.push(`${LABEL[f.severity].padEnd(8)} ${f.check.padEnd(width)}  ${f.message}`);
    if (f.fix !== undefined) lines.push(`${' '.repeat(8 + width + 3)}fix: ${f.fix}`);
  }
  const errors = findings.filter((f) => f.severity === 'error').length;
  const warnings = findings.filter((f) => f.severity === 'warning').length;
  lines.push('', errors > 0 ? `${errors} problem(s) would stop the daemon; ${warnings} warning(s)` : `Nothing would stop the daemon; ${warnings} warning(s)`);
  return `${lines.join('\n')}\n`;
}

/** `doctor`. */
export function doctorCommand(name = 'doctor'): Command {
  return withGlobalOptions(newCommand(name, 'check the configuration, store, data directory, triggers, time zone and native helpers'))
    .option('--json', 'print the findings as a JSON array of {check, severity, message, fix}')
    .addHelpText(
      'after',
      `
Each finding is ok, a warning (the daemon runs; something is off) or an ERROR (the daemon would
not start, or could not record runs), with how to fix it. Doctor creates no file or directory
and writes no row.
Run it as the user the daemon runs as. Exit status 1 when there is an ERROR.

Example:
  sudo -u dsari dsari doctor -c /etc/dsari`,
    )
    .action(async (opts: { json?: boolean }, cmd: Command) => {
      const findings = await runDoctor({ configDir: globalOptions(cmd).configDir });
      process.stdout.write(opts.json === true ? `${JSON.stringify(findings, null, 2)}\n` : formatFindings(findings));
      process.exitCode = findings.some((f) => f.severity === 'error') ? EXIT_USER_ERROR : EXIT_OK;
    });
}
