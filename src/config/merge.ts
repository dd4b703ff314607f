/**
 * Merging the configuration files (SPEC §3): later files win; mappings merge recursively, any
 * other value replaces the earlier one. Inputs are never modified: the result shares unchanged
 * sub-trees and copies only the mappings on the way to a change. Every key path remembers the
 * last file that wrote it, so errors can name the file a bad value came from.
 */
import { copyFloatMark, isMapping, type RawMapping } from './values.js';

const SEP = '\u0000';

/** Which file each key path of the merged configuration came from (the last file to write it). */
export class Origins {
  private readonly byPath = new Map<string, string>();

  set(path: readonly string[], file: string): void {
    this.byPath.set(path.join(SEP), file);
  }

  /** The file that wrote `path`, or the closest ancestor recorded. */
  fileOf(path: readonly string[]): string | undefined {
    for (let n = path.length; n >= 0; n--) {
      const f = this.byPath.get(path.slice(0, n).join(SEP));
      if (f !== undefined) return f;
    }
    return undefined;
  }

  /** Records `file` for `path` and for every key path below it in `value`. */
  record(path: string[], value: unknown, file: string): void {
    this.set(path, file);
    if (isMapping(value)) {
      for (const [k, v] of Object.entries(value)) {
        path.push(k);
        this.record(path, v, file);
        path.pop();
      }
    }
  }
}

/**
 * Merges `source` (read from `file`) over `target` and returns the result; neither input is
 * changed. `origins` is updated for every key `source` writes.
 */
export function mergeMappings(
  target: RawMapping,
  source: RawMapping,
  file: string,
  origins: Origins,
  path: string[] = [],
): RawMapping {
  const out: RawMapping = {};
  for (const k of Object.keys(target)) {
    out[k] = target[k];
    copyFloatMark(target, k, out, k);
  }
  for (const [k, v] of Object.entries(source)) {
    path.push(k);
    const before = out[k];
    if (isMapping(before) && isMapping(v)) {
      origins.set(path, file);
      out[k] = mergeMappings(before, v, file, origins, path);
    } else {
      out[k] = v;
      copyFloatMark(source, k, out, k);
      origins.record(path, v, file);
    }
    path.pop();
  }
  return out;
}
