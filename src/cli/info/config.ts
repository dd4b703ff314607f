import { Option, type Command } from 'commander';
import { normalisedConfig } from '../../config/dump.js';
import { redactRawConfig } from '../../config/database.js';
import { redactRawNotifyKeys } from '../../config/notify.js';
import { yamlPackage } from '../../lazy-packages.js';
import { newCommand } from '../common.js';
import { loadContext } from '../context.js';

/** JSON as the original printed it: keys sorted, indented by 4. */
export function prettyJson(value: unknown): string {
  return JSON.stringify(sortKeys(value), null, 4);
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object' && !(value instanceof Date)) {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value).sort()) out[k] = sortKeys((value as Record<string, unknown>)[k]);
    return out;
  }
  return value;
}

/** YAML with sorted keys, as PyYAML's safe_dump writes it. */
export function prettyYaml(value: unknown): string {
  return yamlPackage().stringify(value, { sortMapEntries: true, aliasDuplicateObjects: false });
}

/** `dsari-info config check|dump` (SPEC §9). */
export function infoConfigCommand(): Command {
  const cmd = newCommand('config', 'check or print the configuration');
  cmd
    .command('check')
    .description('validate the configuration: print "Config OK", or the error on stderr and exit 1')
    .action((_opts: unknown, self: Command) => {
      loadContext(self);
      process.stdout.write('Config OK\n');
    });
  cmd
    .command('dump')
    .description('print the normalised configuration (JSON, as the original; or YAML)')
    .option('--raw', 'print the merged raw configuration instead')
    .addOption(new Option('--format <format>', 'output format').choices(['json', 'yaml']).default('json'))
    .action((opts: { raw?: boolean; format: 'json' | 'yaml' }, self: Command) => {
      const { config } = loadContext(self);
      const data = opts.raw === true ? redactRawNotifyKeys(redactRawConfig(config.raw)) : normalisedConfig(config, Date.now() / 1000);
      process.stdout.write(opts.format === 'yaml' ? prettyYaml(data) : `${prettyJson(data)}\n`);
    });
  return cmd;
}
