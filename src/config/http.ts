/**
 * The `http` key (SPEC-BEYOND §13): where the daemon's API and web console listen, the bearer
 * tokens (only their SHA-256 is kept) with their roles, and what an anonymous client may do.
 * A non-loopback address open to anonymous reading with no tokens at all is refused: nobody
 * should publish a scheduler by accident.
 */
import { isIP } from 'node:net';
import { isAbsolute, resolve } from 'node:path';
import type { Checker, Place } from './checker.js';
import { isMapping } from './values.js';

/** What a token (or a session made from one) may do; each role includes the ones before it. */
export type HttpRole = 'read' | 'operate' | 'admin';
export const HTTP_ROLES: readonly HttpRole[] = ['read', 'operate', 'admin'];

export interface HttpToken {
  /** Shown in logs and in "paused by"; never the token itself. */
  readonly name: string;
  /** Lower-case hex SHA-256 of the token. */
  readonly sha256: string;
  readonly role: HttpRole;
}

export type HttpListen =
  | { readonly kind: 'tcp'; readonly host: string; readonly port: number }
  | { readonly kind: 'unix'; readonly path: string };

export interface HttpConfig {
  readonly listen: HttpListen;
  /** `listen` as written (for messages). */
  readonly listenText: string;
  /** Base URL for links in notifications; null: none configured. */
  readonly publicUrl: string | null;
  readonly tokens: readonly HttpToken[];
  /** What a client without credentials may do. @default "read" on loopback or a unix socket, "none" elsewhere */
  readonly anonymous: 'none' | 'read';
}

export const HTTP_KEYS = ['listen', 'public_url', 'tokens', 'anonymous'] as const;

/**
 * Reads `listen`: `host:port`, `[v6]:port` or `unix:/path` (a relative path is resolved against
 * the configuration directory). Null with the reason when it is not one of those.
 */
export function parseListen(text: string, configDir: string): HttpListen | string {
  if (text.startsWith('unix:')) {
    const path = text.slice('unix:'.length);
    if (path === '' || path.includes('\0')) return 'expected unix:/path/to/socket';
    return { kind: 'unix', path: isAbsolute(path) ? path : resolve(configDir, path) };
  }
  const bare = /^([0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*):(\d{1,5})$/.exec(text);
  if (bare !== null && isIP(bare[1] as string) === 6) return `write an IPv6 address in brackets: [${bare[1] as string}]:${bare[2] as string}`;
  const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([^:[\]\s]+)):(\d{1,5})$/.exec(text);
  if (m === null) return 'expected host:port, [IPv6]:port or unix:/path';
  const host = m[1] ?? m[2] ?? '';
  const port = Number(m[3]);
  if (port > 65535) return `port ${port} is out of range (0 to 65535)`;
  if (m[1] !== undefined && isIP(host) !== 6) return `${host} is not an IPv6 address`;
  return { kind: 'tcp', host, port };
}

/** True for addresses only this host can reach: 127.0.0.0/8, ::1, localhost, a unix socket. */
export function isLoopback(listen: HttpListen): boolean {
  if (listen.kind === 'unix') return true;
  const h = listen.host.toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h) || h === '::ffff:127.0.0.1';
}

/**
 * Validates the `http` mapping; null when it is absent (nothing listens).
 * @throws ConfigError naming the file and key
 */
export function readHttp(check: Checker, raw: unknown, configDir: string): HttpConfig | null {
  if (raw === undefined || raw === null) return null;
  const place: Place = { path: ['http'], scope: 'http' };
  if (!isMapping(raw)) return check.wrongType({ path: [] }, ['http'], 'a mapping with "listen"', raw);
  check.unknownKeys(place, raw, HTTP_KEYS);
  const listenText = check.string(place, raw, 'listen');
  if (listenText === undefined) return check.fail(place, ['listen'], 'required (host:port, [::1]:port or unix:/path/to/socket)');
  const listen = parseListen(listenText, configDir);
  if (typeof listen === 'string') return check.fail(place, ['listen'], `${JSON.stringify(listenText)}: ${listen}`);
  const publicUrl = check.string(place, raw, 'public_url', true) ?? null;
  if (publicUrl !== null && !/^https?:\/\/[^\s/]+/i.test(publicUrl)) check.fail(place, ['public_url'], `expected an http:// or https:// URL, found ${JSON.stringify(publicUrl)}`);
  const tokens = readTokens(check, raw['tokens']);
  const anonymousRaw = raw['anonymous'];
  let anonymous: 'none' | 'read' = isLoopback(listen) ? 'read' : 'none';
  if (anonymousRaw !== undefined && anonymousRaw !== null) {
    if (anonymousRaw !== 'none' && anonymousRaw !== 'read') return check.wrongType(place, ['anonymous'], '"none" or "read"', anonymousRaw);
    anonymous = anonymousRaw;
  }
  if (!isLoopback(listen) && anonymous === 'read' && tokens.length === 0) {
    check.fail(place, ['anonymous'], `listen ${JSON.stringify(listenText)} is reachable from other hosts and anonymous: read with no tokens would open the scheduler to anyone; add tokens (dsari token new NAME --role ROLE) or set anonymous: none`);
  }
  return { listen, listenText, publicUrl, tokens, anonymous };
}

function readTokens(check: Checker, raw: unknown): HttpToken[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) return check.wrongType({ path: ['http'], scope: 'http' }, ['tokens'], 'a list of {name, sha256, role}', raw);
  const tokens: HttpToken[] = [];
  const seen = new Set<string>();
  raw.forEach((item: unknown, i) => {
    const place: Place = { path: ['http', 'tokens'], scope: `http: tokens: item ${i + 1}` };
    if (!isMapping(item)) return check.wrongType(place, [], 'a mapping with name, sha256 and role', item);
    check.unknownKeys(place, item, ['name', 'sha256', 'role']);
    const name = check.string(place, item, 'name');
    if (name === undefined || name === '' || [...name].some((c) => c < ' ')) return check.fail(place, ['name'], 'required: a name without control characters');
    if (seen.has(name)) return check.fail(place, ['name'], `another token is already named ${JSON.stringify(name)}`);
    seen.add(name);
    const sha = check.string(place, item, 'sha256');
    if (sha === undefined || !/^[0-9a-fA-F]{64}$/.test(sha)) return check.fail(place, ['sha256'], 'required: the 64 hex digits of the token\'s SHA-256 (dsari token new prints it)');
    const role = item['role'];
    if (typeof role !== 'string' || !(HTTP_ROLES as readonly string[]).includes(role)) return check.wrongType(place, ['role'], 'one of read, operate, admin', role);
    tokens.push({ name, sha256: sha.toLowerCase(), role: role as HttpRole });
    return undefined;
  });
  return tokens;
}
