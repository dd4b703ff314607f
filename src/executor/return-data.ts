/**
 * A run's optional return data (SPEC §5.1): RUN_DIR/return_data.json (preferred) or
 * return_data.yaml, a mapping stored as `run_data.return_data`. Whatever the run left there,
 * reading it never throws and never reads an unbounded amount into the daemon.
 */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { yamlPackage } from '../lazy-packages.js';
import type { ReturnDataResult } from './types.js';

/** Larger return-data files are not read (the error says so). @default 16 MiB */
export const RETURN_DATA_MAX_BYTES = 16 * 1024 * 1024;

const CANDIDATES: ReadonlyArray<{ name: string; kind: 'json' | 'yaml' }> = [
  { name: 'return_data.json', kind: 'json' },
  { name: 'return_data.yaml', kind: 'yaml' },
];

function firstLine(text: string): string {
  return text.split('\n')[0] ?? text;
}

/**
 * Reads the run's return data. `{}` when there is no file; `{ data, file }` for a valid mapping;
 * `{ error, file }` (naming the file) when the file is too large, unreadable, does not parse or
 * is not a mapping. Never throws.
 */
export function readReturnData(runDir: string, maxBytes: number = RETURN_DATA_MAX_BYTES): ReturnDataResult {
  for (const { name, kind } of CANDIDATES) {
    const file = join(runDir, name);
    let size: number;
    try {
      const st = statSync(file);
      if (!st.isFile()) return { file, error: `${file}: not a regular file` };
      size = st.size;
    } catch {
      // Not there: try the next candidate.
      continue;
    }
    if (size > maxBytes) {
      return { file, error: `${file}: ${size} bytes is larger than the limit of ${maxBytes} bytes; not read` };
    }
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      return { file, error: `${file}: cannot read: ${(err as Error).message}` };
    }
    if (Buffer.byteLength(text) > maxBytes) {
      // Grew between stat and read.
      return { file, error: `${file}: larger than the limit of ${maxBytes} bytes; not read` };
    }
    let value: unknown;
    try {
      value = kind === 'json' ? JSON.parse(text) : yamlPackage().parse(text);
    } catch (err) {
      return { file, error: `${file}: invalid ${kind === 'json' ? 'JSON' : 'YAML'}: ${firstLine((err as Error).message)}` };
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      const what = value === null ? 'null' : Array.isArray(value) ? 'a list' : typeof value;
      return { file, error: `${file}: must contain a mapping, found ${what}` };
    }
    return { file, data: value as Record<string, unknown> };
  }
  return {};
}
