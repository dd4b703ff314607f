/**
 * `dsari token new NAME --role ROLE` (SPEC-BEYOND §13): makes a random bearer token for the HTTP
 * API, prints it once, and prints the `http: tokens:` entry to paste, which holds only its
 * SHA-256. Nothing is written anywhere: the token exists only in this output.
 */
import { InvalidArgumentError, Option, type Command } from 'commander';
import { HTTP_ROLES } from '../config/http.js';
import { newToken } from '../http/tokens.js';
import { newCommand } from './common.js';

function parseName(value: string): string {
  if (value === '' || [...value].some((c) => c < ' ' || c === '"' || c === '\\')) throw new InvalidArgumentError('expected a name without quotes, backslashes or control characters');
  return value;
}

/** `dsari token`: `new NAME --role ROLE`. */
export function tokenCommand(name = 'token'): Command {
  const cmd = newCommand(name, 'make bearer tokens for the HTTP API and web console');
  cmd
    .command('new')
    .description('print a new random token once, and the http: tokens: entry (its SHA-256) to add to the configuration')
    .argument('<name>', 'a name for the token (shown in logs and as who paused or cancelled)', parseName)
    .addOption(new Option('--role <role>', 'what the token may do').choices([...HTTP_ROLES]).default('read'))
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
    .addHelpText(
      'after',
      '\nRoles: read sees everything but secrets; operate also triggers, cancels, pauses and resumes;\n' +
        'admin also reloads the configuration. The first line of text output is the token itself.\n\n' +
        'Example:\n  dsari token new ci-bot --role operate\n',
    )
    .action((tokenName: string, opts: { role: string; format: string }) => {
      const { token, sha256 } = newToken();
      if (opts.format === 'json') {
        process.stdout.write(`${JSON.stringify({ token, name: tokenName, sha256, role: opts.role })}\n`);
        return;
      }
      process.stdout.write(
        `${token}\n\n` +
          '# The line above is the token; it is shown only this once. Add this entry to the\n' +
          '# configuration (under http: tokens:) and reload the daemon:\n' +
          `  - name: "${tokenName}"\n    sha256: "${sha256}"\n    role: ${opts.role}\n`,
      );
    });
  return cmd;
}
