/**
 * Connection targets as they may be shown in logs and errors: never with the password.
 */
import { REDACTED } from '../config/database.js';
import type { MysqlConnection } from '../config/types.js';

/** The same marker as `dsari-info config dump` uses. */
const MASK = REDACTED;

/**
 * A PostgreSQL DSN (URI or libpq key=value) or a mysql:// URI with its password masked.
 * `postgresql://u:secret@h/db` → `postgresql://u:REDACTED@h/db`; `password='a b' host=x` →
 * `password=REDACTED host=x`; `?password=x` query parameters too.
 */
export function redactDsn(dsn: string): string {
  let out = dsn.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/@?#]*):[^@/?#]*@/i, `$1:${MASK}@`);
  out = out.replace(/([?&]password=)[^&#]*/gi, `$1${MASK}`);
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(dsn)) {
    out = out.replace(/(\bpassword\s*=\s*)('(?:[^'\\]|\\.)*'|\S*)/gi, `$1${MASK}`);
  }
  return out;
}

/** `user@host:port/db` for a MySQL connection mapping (no password). */
export function describeMysql(c: MysqlConnection): string {
  return `${c.user ?? ''}${c.user !== undefined ? '@' : ''}${c.host ?? 'localhost'}:${c.port ?? 3306}/${c.db ?? ''}`;
}

/** Removes every occurrence of the given secrets from a message (drivers may echo them). */
export function scrubSecrets(message: string, secrets: readonly (string | undefined)[]): string {
  let out = message;
  for (const s of secrets) if (s !== undefined && s.length >= 3) out = out.split(s).join(MASK);
  return out;
}
