/**
 * Reading one configuration file (YAML or JSON) into plain values. YAML is read as YAML 1.1, as
 * PyYAML (the original's reader) does: `yes`/`no` are booleans, `017` is octal, `1:30` is 90.
 * Syntax errors name the file, line and column.
 */
import { readFileSync } from 'node:fs';
import { parseDocument, type Document, type ScalarTag, type Tags } from 'yaml';
import { ConfigError } from '../errors.js';
import { isMapping, markFloat, type RawMapping } from './values.js';

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
export function readConfigFile(path: string, type: ConfigFileType, label: string): ReadResult {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`${label}: cannot read: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, { file: label }, { cause: err });
  }
  return parseConfigText(text, type, label);
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

/**
 * Narrowings of the YAML 1.1 scalar rules of the `yaml` package to what PyYAML resolves (keyed
 * by the package's own pattern): PyYAML has no `y`/`n` booleans, needs a dot and a signed
 * exponent in floats (`1e5` is text), and reads `09` as text.
 */
const PYYAML_NARROWING: Record<string, string> = {
  '^(?:Y|y|[Yy]es|YES|[Tt]rue|TRUE|[Oo]n|ON)$': '(?!y$|Y$)',
  '^(?:N|n|[Nn]o|NO|[Ff]alse|FALSE|[Oo]ff|OFF)$': '(?!n$|N$)',
  '^[-+]?(?:[0-9][0-9_]*)?(?:\\.[0-9_]*)?[eE][-+]?[0-9]+$': '(?=(?:[-+]?[0-9][0-9_]*\\.[0-9_]*|\\.[0-9_]+)[eE][-+][0-9]+$)',
  '^[-+]?(?:[0-9][0-9_]*)?\\.[0-9_]*$': '(?=(?:[-+]?[0-9][0-9_]*\\.[0-9_]*|\\.[0-9_]+)$)',
  '^[-+]?[0-9][0-9_]*$': '(?=[-+]?(?:0|[1-9][0-9_]*)$)',
};

function pyyamlTags(tags: Tags): Tags {
  return tags.map((tag) => {
    const test = (tag as ScalarTag).test;
    const narrowing = test === undefined ? undefined : PYYAML_NARROWING[test.source];
    if (test === undefined || narrowing === undefined) return tag;
    return { ...(tag as ScalarTag), test: new RegExp(`^${narrowing}${test.source.slice(1)}`) };
  });
}

function parseYaml(text: string, label: string, warnings: string[]): unknown {
  const options = { version: '1.1', intAsBigInt: true, prettyErrors: true, customTags: pyyamlTags } as const;
  let doc: Document = parseDocument(text, options);
  if (doc.errors.length > 0 && doc.errors.every((e) => e.code === 'DUPLICATE_KEY')) {
    // PyYAML keeps the last of duplicate keys; so do we, but say so.
    for (const e of doc.errors) warnings.push(`${label}: ${position(e.linePos?.[0])}duplicate key (the last one is used)`);
    doc = parseDocument(text, { ...options, uniqueKeys: false });
  }
  const first = doc.errors[0];
  if (first !== undefined) {
    const message = (first.message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '');
    throw new ConfigError(`${label}: ${position(first.linePos?.[0])}YAML syntax error: ${message}`, { file: label }, { cause: first });
  }
  try {
    return toPlain(doc.toJS({ maxAliasCount: 10_000 }));
  } catch (err) {
    // An alias without its anchor, too many aliases (a "billion laughs" document) or nesting
    // too deep to convert.
    const message = err instanceof Error ? err.message : String(err);
    throw new ConfigError(`${label}: YAML cannot be used: ${message}`, { file: label }, { cause: err });
  }
}

function position(pos: { line: number; col: number } | undefined): string {
  return pos === undefined ? '' : `line ${pos.line}, column ${pos.col}: `;
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
  // JSON.parse cannot tell 1 from 1.0; a YAML parse with the JSON schema can. Valid JSON parses
  // the same way there; if it somehow does not, the JSON.parse result stands.
  const doc = parseDocument(text, { schema: 'json', intAsBigInt: true, uniqueKeys: false });
  if (doc.errors.length > 0) return plain;
  try {
    return toPlain(doc.toJS());
  } catch (err) {
    void err; // Too deep to convert this way: the JSON.parse result stands.
    return plain;
  }
}

/**
 * Turns parser output into plain values: bigint (integers) become numbers, and integral floats
 * are marked (see values.ts).
 */
function toPlain(value: unknown): unknown {
  if (Array.isArray(value)) {
    const out: unknown[] = new Array<unknown>(value.length);
    for (let i = 0; i < value.length; i++) setPlain(out, i, value[i]);
    return out;
  }
  if (isMapping(value)) {
    const out: RawMapping = {};
    for (const k of Object.keys(value)) setPlain(out, k, value[k]);
    return out;
  }
  return value;
}

function setPlain(container: Record<string, unknown> | unknown[], key: string | number, v: unknown): void {
  let plain: unknown;
  if (typeof v === 'bigint') {
    plain = Number(v);
  } else {
    if (typeof v === 'number' && Number.isInteger(v)) markFloat(container, key);
    plain = toPlain(v);
  }
  (container as Record<string | number, unknown>)[key] = plain;
}
