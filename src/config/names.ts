/**
 * Names of jobs, job groups and concurrency groups (SPEC §3). They become directory names under
 * DATA_DIR and, with `command_append_run`, command arguments.
 */

const NAME_PATTERN = /^[- A-Za-z0-9_+.:@]+$/;

/** Longest name accepted. */
export const MAX_NAME_LENGTH = 64;

/** Why `name` is not acceptable, or null when it is. */
export function nameProblem(name: string): string | null {
  if (name === '') return 'is empty';
  if (name.length > MAX_NAME_LENGTH) return `is ${name.length} characters long, at most ${MAX_NAME_LENGTH} allowed`;
  if (name === '.' || name === '..') return 'is not allowed (it is a special directory name)';
  if (!NAME_PATTERN.test(name)) {
    const bad = [...name].find((c) => !NAME_PATTERN.test(c)) ?? '';
    return `contains ${JSON.stringify(bad)}; only letters, digits, space and - _ + . : @ are allowed`;
  }
  // Our addition: with command_append_run the name becomes an argument, where a leading "-"
  // would be read as an option.
  if (name.startsWith('-')) return 'starts with "-" (it would be read as an option)';
  return null;
}
