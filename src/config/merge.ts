/**
 * Merging the configuration files (SPEC §3): later files win; mappings merge recursively, any
 * other value replaces the earlier one. Inputs are never modified: the result shares unchanged
 * sub-trees and copies only the mappings on the way to a change.
 * `mergeMappings(mergeMappings(a, b), c)` may reuse the first result's own mappings.
 */
import { copyFloatMark, isMapping, type RawMapping } from './values.js';

/**
 * Which file each key path of the merged configuration came from: the last file (in merge
 * order) whose own content has that path. Worked out on demand (for messages), so that loading
 * a large configuration pays nothing for it.
 */
export class Origins {
  private readonly sources: Array<{ file: string; value: RawMapping }> = [];

  /** Adds a file's content; call in merge order. */
  add(file: string, value: RawMapping): void {
    this.sources.push({ file, value });
  }

  /** The file that wrote `path`, or its closest ancestor that some file wrote. */
  fileOf(path: readonly string[]): string | undefined {
    for (let n = path.length; n >= 0; n--) {
      for (let s = this.sources.length - 1; s >= 0; s--) {
        const source = this.sources[s] as { file: string; value: RawMapping };
        if (hasPath(source.value, path, n)) return source.file;
      }
    }
    return undefined;
  }
}

function hasPath(value: RawMapping, path: readonly string[], length: number): boolean {
  let node: unknown = value;
  for (let i = 0; i < length; i++) {
    if (!isMapping(node) || !Object.prototype.hasOwnProperty.call(node, path[i] as string)) return false;
    node = node[path[i] as string];
  }
  return true;
}

/**
 * Mappings made by merging: only these may be changed in place by a later merge (so that many
 * config.d files do not copy the growing `jobs` mapping again and again). Inputs never are.
 */
const ownCopies = new WeakSet<RawMapping>();

/** Merges `source` over `target` and returns the result; neither input is changed. */
export function mergeMappings(target: RawMapping, source: RawMapping): RawMapping {
  let out: RawMapping;
  if (ownCopies.has(target)) {
    out = target;
  } else {
    out = {};
    ownCopies.add(out);
    for (const k of Object.keys(target)) {
      put(out, k, target[k]);
      copyFloatMark(target, k, out, k);
    }
  }
  for (const k of Object.keys(source)) {
    const v = source[k];
    const before = out[k];
    if (isMapping(before) && isMapping(v) && Object.prototype.hasOwnProperty.call(out, k)) {
      put(out, k, mergeMappings(before, v));
    } else {
      put(out, k, v);
      copyFloatMark(source, k, out, k);
    }
  }
  return out;
}

function put(out: RawMapping, k: string, v: unknown): void {
  if (k === '__proto__') Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
  else out[k] = v;
}
