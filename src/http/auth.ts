/**
 * Who is asking, and may they: bearer tokens (`Authorization: Bearer …`), console sessions
 * (an HttpOnly, SameSite=Strict cookie made by logging in with a token), or nobody (anonymous,
 * allowed to read when `http.anonymous` is `read`). Requests that change something through a
 * session must carry the session's CSRF token (form field `_csrf` or header `X-CSRF-Token`).
 * Sessions live in memory: a restart logs everyone out, which is the safe direction.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { HttpConfig, HttpRole, HttpToken } from '../config/http.js';
import { HttpError } from './errors.js';
import { findToken, type Principal } from './tokens.js';

export const SESSION_COOKIE = 'dsari_session';
/** Cookie of the login form's CSRF token (there is no session yet to hold it). */
export const LOGIN_COOKIE = 'dsari_login';
/** How long a console session lasts without use. */
export const SESSION_IDLE_MS = 12 * 3600_000;
/** Sessions kept at most; the least recently used goes first. */
const MAX_SESSIONS = 10_000;

interface Session {
  readonly id: string;
  readonly csrf: string;
  /** The token's digest: the session ends when that token is removed from the configuration. */
  readonly sha256: string;
  lastUsed: number;
}

/** Parses a Cookie header (the first value of each name wins). */
export function parseCookies(header: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  if (header === undefined) return out;
  for (const part of header.split(';')) {
    const i = part.indexOf('=');
    if (i <= 0) continue;
    const name = part.slice(0, i).trim();
    if (!out.has(name)) out.set(name, part.slice(i + 1).trim());
  }
  return out;
}

export function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}

export function randomId(): string {
  return randomBytes(24).toString('base64url');
}

export class Sessions {
  private readonly byId = new Map<string, Session>();

  constructor(private readonly nowMs: () => number = Date.now) {}

  create(token: HttpToken): Session {
    if (this.byId.size >= MAX_SESSIONS) {
      const oldest = this.byId.keys().next();
      if (oldest.done !== true) this.byId.delete(oldest.value);
    }
    const s: Session = { id: randomId(), csrf: randomId(), sha256: token.sha256, lastUsed: this.nowMs() };
    this.byId.set(s.id, s);
    return s;
  }

  /** The live session with this id and the token it was made from (still configured), or null. */
  find(id: string, tokens: readonly HttpToken[]): { session: Session; token: HttpToken } | null {
    const s = this.byId.get(id);
    if (s === undefined) return null;
    const token = tokens.find((t) => t.sha256 === s.sha256);
    if (token === undefined || this.nowMs() - s.lastUsed > SESSION_IDLE_MS) {
      this.byId.delete(id);
      return null;
    }
    s.lastUsed = this.nowMs();
    // Most recently used last, so the first key is the one to evict.
    this.byId.delete(id);
    this.byId.set(id, s);
    return { session: s, token };
  }

  delete(id: string): void {
    this.byId.delete(id);
  }
}

/** What authentication found for a request. */
export interface Identity {
  readonly principal: Principal;
  /** The session's CSRF token when the request came with a session cookie. */
  readonly csrf: string | null;
  readonly sessionId: string | null;
}

export const ANONYMOUS: Principal = { name: 'anonymous', role: 'none', via: 'anonymous' };

/**
 * Works out who sent a request. A bearer token that matches no configured token is a 401 even
 * where anonymous reading is allowed (a client with a wrong token should learn it at once).
 * @throws HttpError 401
 */
export function identify(headers: { authorization?: string | undefined; cookie?: string | undefined }, http: HttpConfig, sessions: Sessions): Identity {
  const auth = headers.authorization;
  if (auth !== undefined) {
    const m = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(auth);
    if (m === null) throw unauthorized('the Authorization header must be "Bearer TOKEN"');
    const token = findToken(http.tokens, m[1] as string);
    if (token === null) throw unauthorized('unknown token');
    return { principal: { name: token.name, role: token.role, via: 'token' }, csrf: null, sessionId: null };
  }
  const sid = parseCookies(headers.cookie).get(SESSION_COOKIE);
  if (sid !== undefined && sid !== '') {
    const found = sessions.find(sid, http.tokens);
    if (found !== null) {
      return { principal: { name: found.token.name, role: found.token.role, via: 'session' }, csrf: found.session.csrf, sessionId: sid };
    }
  }
  return { principal: http.anonymous === 'read' ? { ...ANONYMOUS, role: 'read' } : ANONYMOUS, csrf: null, sessionId: null };
}

export function unauthorized(message: string): HttpError {
  return new HttpError(401, 'unauthorized', message, { 'WWW-Authenticate': 'Bearer realm="dsari"' });
}

/**
 * Checks that the identity may do what needs `role`.
 * @throws HttpError 401 (no credentials) or 403 (a role too small)
 */
export function requireRole(identity: Identity, role: HttpRole): void {
  const have = identity.principal.role;
  const rank = { none: 0, read: 1, operate: 2, admin: 3 } as const;
  if (rank[have] >= rank[role]) return;
  if (identity.principal.via === 'anonymous') throw unauthorized(`this needs a token with the ${role} role`);
  throw new HttpError(403, 'forbidden', `the ${identity.principal.role} role of "${identity.principal.name}" may not do this (it needs ${role})`);
}

/**
 * A state-changing request through a session must carry the session's CSRF token.
 * @throws HttpError 403
 */
export function requireCsrf(identity: Identity, presented: string | undefined): void {
  if (identity.principal.via !== 'session' || identity.csrf === null) return;
  if (presented === undefined || !sameSecret(presented, identity.csrf)) {
    throw new HttpError(403, 'csrf', 'missing or wrong CSRF token: reload the page and try again');
  }
}
