/**
 * Reading one configuration file (YAML or JSON) into plain values. YAML is read as YAML 1.1, as
 * PyYAML (the original's reader) does (see yaml-schema.ts).
 * Syntax errors name the file, line and column.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ConfigError } from '../errors.js';
import { withFloatMarks } from './json-numbers.js';
import { isMapping, markFloat, type RawMapping } from './values.js';
import { jsyamlPackage } from '../lazy-packages.js';
import { IntegralFloat, pyyamlSchema } from './yaml-schema.js';

export type ConfigFileType = 'yaml' | 'json';

export interface ReadResult {
  /** The file's top-level mapping (an empty file is an empty mapping). */
  readonly value: RawMapping;
  /** Non-fatal findings (duplicate keys …), already prefixed with the file label. */
  readonly warnings: readonly string[];
}

/**
 * Reads and parses a configuration file. `label` is how messages name it.
 * @throws ConfigError on an unreadable file, a syntax error or a top level that is not a mapping
 */
export function readConfigFile(path: string, type: ConfigFileType, label: string): ReadResult & { readonly sha256: string } {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    throw new ConfigError(`${label}: cannot read: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, { file: label }, { cause: err });
  }
  // The digest of exactly the bytes parsed: the configuration cache (cache.ts) records it, so a
  // file changed while it was being read cannot pass for the one that was read.
  return { ...parseConfigText(bytes.toString('utf8'), type, label), sha256: bytesDigest(bytes) };
}

/** SHA-256 of a file's bytes, in hex: how the configuration cache tells files apart. */
export function bytesDigest(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * Parses configuration text.
 * @throws ConfigError on a syntax error or a top level that is not a mapping
 */
export function parseConfigText(text: string, type: ConfigFileType, label: string): ReadResult {
  const warnings: string[] = [];
  let value: unknown;
  if (type === 'json') {
    value = parseJson(text, label);
  } else {
    value = parseYaml(text, label, warnings);
  }
  if (value === null || value === undefined) return { value: {}, warnings };
  if (!isMapping(value)) {
    throw new ConfigError(`${label}: expected a mapping at the top level, found ${describeTop(value)}`, { file: label });
  }
  return { value, warnings };
}

function describeTop(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'string') return `the text ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  return String(value);
}

function parseYaml(text: string, label: string, warnings: string[]): unknown {
  let value: unknown;
  const jsyaml = jsyamlPackage();
  try {
    value = jsyaml.load(text, { schema: pyyamlSchema() });
  } catch (err) {
    if (err instanceof RangeError) throw tooDeep(label, err);
    if (!(err instanceof jsyaml.YAMLException)) throw err;
    if (!err.reason.startsWith('duplicated mapping key')) {
      throw new ConfigError(`${label}: ${position(err.mark)}YAML syntax error: ${err.reason}`, { file: label }, { cause: err });
    }
    // PyYAML keeps the last of duplicate keys; so do we, but say so.
    warnings.push(`${label}: ${position(err.mark)}duplicate key (the last one is used)`);
    try {
      value = jsyaml.load(text, { schema: pyyamlSchema(), json: true });
    } catch (again) {
      if (again instanceof RangeError) throw tooDeep(label, again);
      if (!(again instanceof jsyaml.YAMLException)) throw again;
      throw new ConfigError(`${label}: ${position(again.mark)}YAML syntax error: ${again.reason}`, { file: label }, { cause: again });
    }
  }
  return cleanYaml(value, label);
}

function position(mark: { line: number; column: number } | undefined): string {
  return mark === undefined ? '' : `line ${mark.line + 1}, column ${mark.column + 1}: `;
}

function parseJson(text: string, label: string): unknown {
  let plain: unknown;
  try {
    plain = JSON.parse(text);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const at = /at position (\d+)/.exec(message);
    let where = '';
    if (at) {
      const offset = Number(at[1]);
      const before = text.slice(0, offset).split('\n');
      where = `line ${before.length}, column ${(before[before.length - 1]?.length ?? 0) + 1}: `;
    } else if (/end of (JSON )?input/i.test(message)) {
      const lines = text.split('\n');
      where = `line ${lines.length}, column ${(lines[lines.length - 1]?.length ?? 0) + 1}: `;
    }
    const short = message.replace(/ in JSON at position \d+.*$/, '').replace(/^JSON\.parse: /, '');
    throw new ConfigError(`${label}: ${where}JSON syntax error: ${short}`, { file: label }, { cause: err });
  }
  // JSON.parse cannot tell 1 from 1.0; a second, marking read of the now known-valid text can.
  return withFloatMarks(text, plain);
}

/** Most values (counting every alias use) and deepest nesting a YAML configuration may have. */
const MAX_YAML_VALUES = 1_000_000;
const MAX_YAML_DEPTH = 1000;

function tooDeep(label: string, cause: unknown): ConfigError {
  return new ConfigError(`${label}: YAML nested too deeply to read`, { file: label }, cause === undefined ? {} : { cause });
}

/**
 * Turns the parser's fresh output into plain values in place (it is ours alone): integral floats
 * become numbers and are marked (see values.ts). Values shared through YAML aliases are walked
 * once, but counted at every use, so that a "billion laughs" document is refused here instead of
 * exploding later in whatever copies the raw configuration (`config dump --raw`).
 */
function cleanYaml(value: unknown, label: string): unknown {
  const sizes = new Map<object, number>();
  const walk = (node: unknown, depth: number): number => {
    if (node === null || typeof node !== 'object') return 1;
    const known = sizes.get(node);
    if (known !== undefined) return known;
    if (depth > MAX_YAML_DEPTH) throw tooDeep(label, undefined);
    sizes.set(node, 1); // provisional: a cycle counts once
    let size = 1;
    if (Array.isArray(node)) {
      for (let i = 0; i < node.length; i++) {
        const v: unknown = node[i];
        if (v instanceof IntegralFloat) {
          node[i] = v.value;
          markFloat(node, i);
          size += 1;
        } else {
          size += walk(v, depth + 1);
        }
      }
    } else if (isMapping(node)) {
      for (const k in node) {
        const v = node[k];
        if (v instanceof IntegralFloat) {
          node[k] = v.value;
          markFloat(node, k);
          size += 1;
        } else {
          size += walk(v, depth + 1);
        }
      }
    }
    if (size > MAX_YAML_VALUES) {
      throw new ConfigError(`${label}: YAML expands to more than ${MAX_YAML_VALUES} values (too many aliases?)`, { file: label });
    }
    sizes.set(node, size);
    return size;
  };
  if (value instanceof IntegralFloat) return value.value;
  walk(value, 0);
  return value;
}
