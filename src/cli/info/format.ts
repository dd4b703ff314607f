/**
 * Formatting shared by the `job` and `run` subcommands of dsari-info: times, structured output
 * and the `--format` option.
 */
import { InvalidArgumentError } from 'commander';
import { stringify as yamlStringify } from 'yaml';
import type { EpochSeconds } from '../../clock.js';
import { formatIso, localZone } from '../../schedule/time.js';

/** Output formats of `job list` and `run list`. */
export type ListFormat = 'pretty' | 'tabular' | 'json' | 'yaml';

export const LIST_FORMATS: readonly ListFormat[] = ['pretty', 'tabular', 'json', 'yaml'];

/** commander parser of `--format`. */
export function formatArg(value: string): ListFormat {
  if ((LIST_FORMATS as readonly string[]).includes(value)) return value as ListFormat;
  throw new InvalidArgumentError(`expected one of ${LIST_FORMATS.join(', ')}.`);
}

/** A time as ISO 8601 in the host's zone, with microseconds and the UTC offset. */
export function isoTime(epoch: EpochSeconds): string {
  return formatIso(epoch, localZone());
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value).sort()) out[k] = sortKeys((value as Record<string, unknown>)[k]);
    return out;
  }
  return value;
}

/** JSON as the original prints it: keys sorted, indented by 4, newline at the end. */
export function jsonText(value: unknown): string {
  return `${JSON.stringify(sortKeys(value), null, 4)}\n`;
}

/** YAML with sorted keys, block style, as PyYAML's safe_dump writes it. */
export function yamlText(value: unknown): string {
  return yamlStringify(value, { sortMapEntries: true, aliasDuplicateObjects: false });
}
