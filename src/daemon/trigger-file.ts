/**
 * Reading a trigger file's content (SPEC §5.2): a mapping with optional `type`, `description`,
 * `environment`, `schedule_time` and `schedule_timezone`; every other key is kept. Pure: the
 * caller reads the file and passes its text and modification time in.
 */
import { environmentValueText } from '../config/environment.js';
import { withFloatMarks } from '../config/json-numbers.js';
import type { EpochSeconds } from '../clock.js';
import { DsariError, errorMessage } from '../errors.js';
import { yamlPackage } from '../lazy-packages.js';
import type { JsonObject } from '../store/types.js';

export type TriggerFileKind = 'json' | 'yaml';

/** What the parser needs from outside: time parsing and the identity rule of the executor. */
export interface TriggerParseContext {
  /** The file's modification time: the schedule time when the trigger names none. */
  readonly mtime: EpochSeconds;
  /** The daemon's local zone (naive times without `schedule_timezone` are read in it). */
  readonly localZone: string;
  /** Reads an ISO 8601 text or epoch number in a zone. @throws on bad input */
  parseDateTime(value: string | number, zone: string): EpochSeconds;
  isValidZone(zone: string): boolean;
  /** Identity variables the environment tries to set (SPEC §6). */
  identityViolations(env: Readonly<Record<string, unknown>>): string[];
}

/** A trigger that can become a run. */
export interface ParsedTrigger {
  readonly scheduleTime: EpochSeconds;
  /** The content as stored in `trigger_data`, `environment` normalised to strings. */
  readonly triggerData: JsonObject;
  readonly environment: Readonly<Record<string, string>>;
}

/** Why a trigger cannot be accepted. `incomplete` marks failures a writer still writing can cause. */
export class TriggerContentError extends DsariError {
  constructor(
    message: string,
    readonly incomplete: boolean,
  ) {
    super('E_TRIGGER', message);
  }
}

/** Deepest nesting of lists and mappings a trigger may have (deeper data could not be stored). */
export const MAX_TRIGGER_DEPTH = 64;

/** True when `value` nests lists/mappings deeper than `limit` (checked without recursion). */
function nestedDeeperThan(value: unknown, limit: number): boolean {
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop() as [unknown, number];
    if (typeof v !== 'object' || v === null) continue;
    if (depth >= limit) return true;
    for (const child of Object.values(v)) stack.push([child, depth + 1]);
  }
  return false;
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return `the string ${JSON.stringify(value)}`;
  return `${typeof value} ${String(value)}`;
}

/**
 * An `environment` value as SPEC §3 allows it: a mapping (or a list of one-entry mappings) of
 * string keys to strings or numbers (numbers become their decimal text).
 * @throws TriggerContentError naming the key
 */
export function normalizeEnvironment(value: unknown): Record<string, string> {
  // [name, value, the mapping it is in] (float marks are kept per mapping, see config/values.ts)
  let entries: Array<[string, unknown, object]>;
  if (Array.isArray(value)) {
    entries = [];
    for (const [i, item] of value.entries()) {
      if (!isMapping(item) || Object.keys(item).length !== 1) {
        throw new TriggerContentError(`environment[${i}] must be a mapping with one entry, not ${describe(item)}`, false);
      }
      entries.push(...Object.entries(item).map(([k, v]): [string, unknown, object] => [k, v, item]));
    }
  } else if (isMapping(value)) {
    entries = Object.entries(value).map(([k, v]): [string, unknown, object] => [k, v, value]);
  } else {
    throw new TriggerContentError(`environment must be a mapping, not ${describe(value)}`, false);
  }
  const env: Record<string, string> = {};
  for (const [key, v, container] of entries) {
    if (key === '' || key.includes('=') || key.includes('\0')) {
      throw new TriggerContentError(`environment: ${JSON.stringify(key)} is not a valid variable name`, false);
    }
    if (typeof v === 'string' && v.includes('\0')) throw new TriggerContentError(`environment: ${key}: value contains a NUL character`, false);
    // As in the configuration (SPEC §3): strings as they are, numbers as Python writes them.
    const text = typeof v === 'number' && !Number.isFinite(v) ? undefined : environmentValueText(container, key, v);
    if (text === undefined) throw new TriggerContentError(`environment: ${key} must be a string or a number, not ${describe(v)}`, false);
    env[key] = text;
  }
  return env;
}

/** Parses the text of a trigger file. @throws TriggerContentError */
export function parseTriggerContent(text: string, kind: TriggerFileKind): unknown {
  if (kind === 'json') {
    if (text.trim() === '') throw new TriggerContentError('the file is empty', true);
    try {
      // Python's json reads 1.0 as a float, and the original set such a variable to "1.0".
      return withFloatMarks(text, JSON.parse(text));
    } catch (err) {
      throw new TriggerContentError(`not valid JSON: ${errorMessage(err)}`, true);
    }
  }
  try {
    return yamlPackage().parse(text) as unknown;
  } catch (err) {
    throw new TriggerContentError(`not valid YAML: ${errorMessage(err).split('\n')[0] ?? ''}`, true);
  }
}

/**
 * Validates a trigger's content and works out its schedule time.
 * @throws TriggerContentError with the reason
 */
export function readTrigger(text: string, kind: TriggerFileKind, ctx: TriggerParseContext): ParsedTrigger {
  const content = parseTriggerContent(text, kind);
  if (nestedDeeperThan(content, MAX_TRIGGER_DEPTH)) {
    throw new TriggerContentError(`the trigger nests lists or mappings more than ${MAX_TRIGGER_DEPTH} levels deep`, false);
  }
  if (!isMapping(content)) {
    throw new TriggerContentError(`the trigger must be a mapping, not ${describe(content)}`, content === null || content === undefined);
  }
  const data: JsonObject = { ...content };
  let environment: Record<string, string> = {};
  if ('environment' in content && content['environment'] !== null) {
    environment = normalizeEnvironment(content['environment']);
    const bad = ctx.identityViolations(environment);
    if (bad.length > 0) {
      throw new TriggerContentError(`environment may not set ${bad.join(', ')} (the run's identity)`, false);
    }
    data['environment'] = environment;
  }
  let zone = ctx.localZone;
  const tz = content['schedule_timezone'];
  if (tz !== undefined && tz !== null) {
    if (typeof tz !== 'string' || !ctx.isValidZone(tz)) {
      throw new TriggerContentError(`schedule_timezone: ${describe(tz)} is not a known time zone (like "Europe/Berlin" or "UTC")`, false);
    }
    zone = tz;
  }
  let scheduleTime = ctx.mtime;
  const st = content['schedule_time'];
  if (st !== undefined && st !== null) {
    if (typeof st !== 'number' && typeof st !== 'string') {
      throw new TriggerContentError(`schedule_time must be epoch seconds or an ISO 8601 date-time, not ${describe(st)}`, false);
    }
    try {
      scheduleTime = ctx.parseDateTime(st, zone);
    } catch (err) {
      throw new TriggerContentError(`schedule_time: ${errorMessage(err)}`, false);
    }
    if (!Number.isFinite(scheduleTime)) {
      throw new TriggerContentError(`schedule_time: ${describe(st)} is not a finite time`, false);
    }
  }
  return { scheduleTime, triggerData: data, environment };
}
