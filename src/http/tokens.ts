/**
 * Bearer tokens: made at random, kept only as their SHA-256, compared in constant time. A token
 * is never logged; only its configured name is.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { HttpRole, HttpToken } from '../config/http.js';

/** Tokens start with this, so that secret scanners and people recognise them. */
export const TOKEN_PREFIX = 'dsari_';

/** A fresh random token (256 bits) and its SHA-256 in hex. */
export function newToken(): { token: string; sha256: string } {
  const token = `${TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
  return { token, sha256: sha256Hex(token) };
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** Who made a request: a token's name and role, or anonymous. */
export interface Principal {
  readonly name: string;
  readonly role: HttpRole | 'none';
  /** How the request proved it: a bearer token, a session cookie, or nothing. */
  readonly via: 'token' | 'session' | 'anonymous';
}

const RANK: Record<HttpRole | 'none', number> = { none: 0, read: 1, operate: 2, admin: 3 };

/** Whether `have` includes `need` (admin ⊃ operate ⊃ read). */
export function roleAllows(have: HttpRole | 'none', need: HttpRole): boolean {
  return RANK[have] >= RANK[need];
}

/**
 * The configured token matching `presented`, or null. Every configured token is compared (in
 * constant time, on the digests), so the answer's timing does not tell which one nearly matched.
 */
export function findToken(tokens: readonly HttpToken[], presented: string): HttpToken | null {
  const digest = createHash('sha256').update(presented, 'utf8').digest();
  let found: HttpToken | null = null;
  for (const t of tokens) {
    const want = Buffer.from(t.sha256, 'hex');
    if (want.length === digest.length && timingSafeEqual(want, digest) && found === null) found = t;
  }
  return found;
}
