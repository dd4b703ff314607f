/**
 * Formatting shared by the `job` and `run` subcommands of dsari-info: times, structured output
 * and the `--format` option.
 */
import { InvalidArgumentError } from 'commander';
import type { EpochSeconds } from '../../clock.js';
import { formatIso, localZone } from '../../schedule/time.js';
import { prettyJson, prettyYaml } from './config.js';

/** Output formats of `job list` and `run list`. */
export type ListFormat = 'pretty' | 'tabular' | 'json' | 'yaml';

export const LIST_FORMATS: readonly ListFormat[] = ['pretty', 'tabular', 'json', 'yaml'];

/** commander parser of `--format`. */
export function formatArg(value: string): ListFormat {
  if ((LIST_FORMATS as readonly string[]).includes(value)) return value as ListFormat;
  throw new InvalidArgumentError(`expected one of ${LIST_FORMATS.join(', ')}.`);
}

let zone: string | undefined;

/** A time as ISO 8601 in the host's zone, with microseconds and the UTC offset. */
export function isoTime(epoch: EpochSeconds): string {
  // Looking the zone up costs an Intl.DateTimeFormat: once per command, not once per time.
  zone ??= localZone();
  return formatIso(epoch, zone);
}

/** JSON as the original prints it (keys sorted, indented by 4), as `config dump` prints it. */
export function jsonText(value: unknown): string {
  return `${prettyJson(value)}\n`;
}

/** YAML with sorted keys, as `config dump --format yaml` prints it. */
export function yamlText(value: unknown): string {
  return prettyYaml(value);
}
