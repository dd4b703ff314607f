/**
 * The `notify` key (SPEC-BEYOND §12.6): a list of notifiers, at top level (the default of every
 * job) and per job (a job's own list replaces the default). Webhook URLs and header values are
 * secrets: {@link redactNotifiers} is what `config dump` shows.
 */
import type { Checker, Place } from './checker.js';
import { REDACTED } from './database.js';
import { describeValue, isMapping, type RawMapping } from './values.js';

/** Every event a notifier may listen to. */
export const NOTIFY_EVENTS = ['success', 'failure', 'recovery', 'lost', 'timeout', 'still_failing', 'skipped'] as const;
export type NotifyEvent = (typeof NOTIFY_EVENTS)[number];

/** Events of a notifier without `on`. */
export const DEFAULT_NOTIFY_EVENTS: readonly NotifyEvent[] = ['failure', 'recovery'];
/** Limit of a `command` notifier, seconds. */
export const NOTIFY_COMMAND_TIMEOUT = 60;
/** @default timeout of a `webhook` notifier, seconds. */
export const NOTIFY_WEBHOOK_TIMEOUT = 10;

const NOTIFIER_KEYS = ['on', 'command', 'webhook', 'format', 'headers', 'timeout'];

interface NotifierBase {
  /** Events this notifier delivers (unique, in NOTIFY_EVENTS order). */
  readonly on: readonly NotifyEvent[];
  /** Seconds. */
  readonly timeout: number;
}
export interface CommandNotifier extends NotifierBase {
  readonly kind: 'command';
  readonly command: readonly string[];
}
export interface WebhookNotifier extends NotifierBase {
  readonly kind: 'webhook';
  /** A secret: never logged or shown. */
  readonly url: string;
  /** @default 'json' */
  readonly format: 'json' | 'slack';
  /** Values are secrets. */
  readonly headers: Readonly<Record<string, string>>;
}
export type NotifierConfig = CommandNotifier | WebhookNotifier;

/**
 * Reads `notify` of a mapping: undefined when absent (a job then inherits the top level),
 * `[]` for `notify: []` or `notify: null` (no notifications).
 * @throws ConfigError naming file, job and key
 */
export function readNotify(check: Checker, place: Place, raw: RawMapping): NotifierConfig[] | undefined {
  const v = raw['notify'];
  if (v === undefined) return undefined;
  if (v === null) return [];
  if (!Array.isArray(v)) return check.wrongType(place, ['notify'], 'a list of notifiers (each with "command" or "webhook")', v);
  return v.map((item: unknown, i) => readNotifier(check, place, item, i));
}

function readNotifier(check: Checker, place: Place, item: unknown, i: number): NotifierConfig {
  const key = ['notify', `item ${i + 1}`];
  const raw = ['notify', String(i)];
  const fail = (sub: string[], message: string): never => check.fail(place, [...key, ...sub], message, raw);
  if (!isMapping(item)) return fail([], `expected a notifier mapping (with "command" or "webhook"), found ${describeValue(item)}`);
  for (const k of Object.keys(item)) {
    if (!NOTIFIER_KEYS.includes(k) && k !== 'true') fail([k], `unknown key (expected one of ${NOTIFIER_KEYS.join(', ')})`);
  }
  // YAML 1.1 (as the original's PyYAML reads it) turns the key `on` into the boolean true.
  const on = readEvents(item['on'] ?? item['true'], fail);
  const hasCommand = item['command'] !== undefined;
  const hasWebhook = item['webhook'] !== undefined;
  if (hasCommand === hasWebhook) return fail([], 'expected exactly one of "command" or "webhook"');
  const timeout = item['timeout'];
  if (timeout !== undefined && (typeof timeout !== 'number' || !Number.isFinite(timeout) || timeout <= 0)) {
    fail(['timeout'], `expected a number of seconds > 0, found ${describeValue(timeout)}`);
  }
  if (hasCommand) {
    for (const k of ['format', 'headers']) if (item[k] !== undefined) fail([k], 'only a webhook notifier takes this key');
    const cmd = item['command'];
    if (!Array.isArray(cmd) || cmd.length === 0 || cmd.some((a) => typeof a !== 'string') || cmd[0] === '') {
      return fail(['command'], `expected a non-empty list of strings (program and arguments), found ${describeValue(cmd)}`);
    }
    const limit = typeof timeout === 'number' ? Math.min(timeout, NOTIFY_COMMAND_TIMEOUT) : NOTIFY_COMMAND_TIMEOUT;
    return { kind: 'command', on, timeout: limit, command: cmd as string[] };
  }
  const url = item['webhook'];
  // The URL itself is a secret: the message names the problem, never the value.
  if (typeof url !== 'string') return fail(['webhook'], `expected an http:// or https:// URL, found ${describeValue(url)}`);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return fail(['webhook'], 'not a valid URL (the value is not shown: webhook URLs are secrets)');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    return fail(['webhook'], `expected an http:// or https:// URL, found a ${parsed.protocol} URL`);
  }
  const format = item['format'] ?? 'json';
  if (format !== 'json' && format !== 'slack') return fail(['format'], `expected "json" or "slack", found ${describeValue(format)}`);
  const headers: Record<string, string> = {};
  const h = item['headers'];
  if (h !== undefined && h !== null) {
    if (!isMapping(h)) return fail(['headers'], `expected a mapping of header names to values, found ${describeValue(h)}`);
    for (const [name, value] of Object.entries(h)) {
      if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)) fail(['headers', name], 'not a valid HTTP header name');
      if (typeof value !== 'string' && typeof value !== 'number') fail(['headers', name], 'expected a string value');
      if (/[\r\n\0]/.test(String(value))) fail(['headers', name], 'the value contains a line break or NUL');
      headers[name] = String(value);
    }
  }
  return { kind: 'webhook', on, timeout: typeof timeout === 'number' ? timeout : NOTIFY_WEBHOOK_TIMEOUT, url, format, headers };
}

function readEvents(v: unknown, fail: (sub: string[], message: string) => never): NotifyEvent[] {
  if (v === undefined) return [...DEFAULT_NOTIFY_EVENTS];
  const list = typeof v === 'string' ? [v] : v;
  if (!Array.isArray(list) || list.length === 0) return fail(['on'], `expected a non-empty list of events (${NOTIFY_EVENTS.join(', ')}), found ${describeValue(v)}`);
  const seen = new Set<NotifyEvent>();
  for (const e of list) {
    if (typeof e !== 'string' || !(NOTIFY_EVENTS as readonly string[]).includes(e)) {
      fail(['on'], `unknown event ${describeValue(e)} (expected one of ${NOTIFY_EVENTS.join(', ')})`);
    }
    seen.add(e as NotifyEvent);
  }
  return NOTIFY_EVENTS.filter((e) => seen.has(e));
}

/** The notifiers as `config dump` shows them: URLs and header values replaced by REDACTED. */
export function redactNotifiers(list: readonly NotifierConfig[]): Record<string, unknown>[] {
  return list.map((n) =>
    n.kind === 'command'
      ? { on: [...n.on], command: [...n.command], timeout: n.timeout }
      : {
          on: [...n.on],
          webhook: REDACTED,
          format: n.format,
          headers: Object.fromEntries(Object.keys(n.headers).map((k) => [k, REDACTED])),
          timeout: n.timeout,
        },
  );
}

/** Every secret of the notifiers (URLs, their user info, header values), to scrub from messages. */
export function notifierSecrets(list: readonly NotifierConfig[]): string[] {
  const out: string[] = [];
  for (const n of list) {
    if (n.kind !== 'webhook') continue;
    out.push(n.url, ...Object.values(n.headers));
  }
  return out;
}

/**
 * The raw `notify` list of a mapping with URLs and header values replaced by REDACTED (for
 * `config dump --raw`); anything else is returned as is.
 */
export function redactRawNotify(v: unknown): unknown {
  if (!Array.isArray(v)) return v;
  return v.map((item: unknown) => {
    if (!isMapping(item)) return item;
    const out: RawMapping = { ...item };
    if (out['webhook'] !== undefined) out['webhook'] = REDACTED;
    if (isMapping(out['headers'])) out['headers'] = Object.fromEntries(Object.keys(out['headers']).map((k) => [k, REDACTED]));
    return out;
  });
}

/** The raw configuration with every `notify` list (top level, jobs, job groups) redacted. */
export function redactRawNotifyKeys(raw: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...raw };
  if (out['notify'] !== undefined) out['notify'] = redactRawNotify(out['notify']);
  for (const section of ['jobs', 'job_groups']) {
    const defs = out[section];
    if (!isMapping(defs)) continue;
    const copy: RawMapping = {};
    for (const [name, def] of Object.entries(defs)) {
      copy[name] = isMapping(def) && def['notify'] !== undefined ? { ...def, notify: redactRawNotify(def['notify']) } : def;
    }
    out[section] = copy;
  }
  return out;
}

/** A job's effective notifiers: its own list, else the top level's. */
export function jobNotifiers(config: { readonly notify?: readonly NotifierConfig[] }, job: { readonly notify?: readonly NotifierConfig[] }): readonly NotifierConfig[] {
  return job.notify ?? config.notify ?? [];
}
