/**
 * The `database` key (SPEC §7): sqlite3 (default, DATA_DIR/dsari.sqlite3), postgresql (dsn),
 * mysql (connection). Secrets are redacted for display and logs by {@link redactDatabase}.
 */
import { isAbsolute, join, resolve } from 'node:path';
import type { Checker, Place } from './checker.js';
import type { DatabaseConfig, MysqlConnection } from './types.js';
import { describeValue, isMapping, type RawMapping } from './values.js';

const TYPES = ['sqlite3', 'postgresql', 'mysql'] as const;
const UNSUPPORTED: Record<string, string> = {
  mongodb: 'database type "mongodb" is not supported by this implementation (use sqlite3, postgresql or mysql)',
};

/**
 * Validates the `database` mapping. A relative sqlite3 `file` is resolved against the
 * configuration directory.
 * @throws ConfigError
 */
export function readDatabase(check: Checker, raw: unknown, configDir: string, dataDir: string): DatabaseConfig {
  const top: Place = { path: [] };
  const place: Place = { path: ['database'], scope: 'database' };
  if (raw === undefined || raw === null) return { type: 'sqlite3', file: join(dataDir, 'dsari.sqlite3') };
  if (!isMapping(raw)) return check.wrongType(top, ['database'], 'a mapping with a "type"', raw);
  const type = raw['type'] ?? 'sqlite3';
  if (typeof type !== 'string') return check.wrongType(place, ['type'], `one of ${TYPES.join(', ')}`, type);
  const unsupported = UNSUPPORTED[type];
  if (unsupported !== undefined) return check.fail(place, ['type'], unsupported);
  switch (type) {
    case 'sqlite3': {
      check.unknownKeys(place, raw, ['type', 'file']);
      const file = check.path(place, raw, 'file', true);
      if (file === undefined || file === null) return { type, file: join(dataDir, 'dsari.sqlite3') };
      return { type, file: isAbsolute(file) ? file : resolve(configDir, file) };
    }
    case 'postgresql': {
      check.unknownKeys(place, raw, ['type', 'dsn']);
      const dsn = check.string(place, raw, 'dsn');
      if (dsn === undefined) return check.fail(place, ['dsn'], 'required for type postgresql (a libpq connection string or URI)');
      return { type, dsn };
    }
    case 'mysql': {
      check.unknownKeys(place, raw, ['type', 'connection']);
      const conn = raw['connection'];
      if (conn === undefined) return check.fail(place, ['connection'], 'required for type mysql (a mapping with host, user, passwd, db, port)');
      if (!isMapping(conn)) return check.wrongType(place, ['connection'], 'a mapping with host, user, passwd, db, port', conn);
      return { type, connection: readMysqlConnection(check, conn) };
    }
    default:
      return check.fail(place, ['type'], `expected one of ${TYPES.join(', ')}, found ${describeValue(type)}`);
  }
}

function readMysqlConnection(check: Checker, conn: RawMapping): MysqlConnection {
  const place: Place = { path: ['database', 'connection'], scope: 'database: connection' };
  const out: Record<string, unknown> = { ...conn };
  for (const key of ['host', 'user', 'passwd', 'db']) {
    const v = conn[key];
    if (v !== undefined && typeof v !== 'string') check.wrongType(place, [key], 'a string', v);
  }
  check.integer(place, conn, 'port', 1, 'a port number');
  return out as MysqlConnection;
}

/** Replacement text for secrets. */
export const REDACTED = 'REDACTED';

/** A PostgreSQL DSN with its password replaced, in key=value and in URI form. */
export function redactDsn(dsn: string): string {
  if (/^postgres(ql)?:\/\//i.test(dsn)) {
    return dsn
      .replace(/^(postgres(?:ql)?:\/\/[^:@/?#]*):[^@/?#]*@/i, `$1:${REDACTED}@`)
      .replace(/([?&]password=)[^&#]*/gi, `$1${REDACTED}`);
  }
  return dsn.replace(/(\bpassword\s*=\s*)('(?:[^'\\]|\\.)*'|[^\s']*)/gi, `$1${REDACTED}`);
}

/** The database settings safe to show or log: passwords replaced by {@link REDACTED}. */
export function redactDatabase(db: DatabaseConfig): DatabaseConfig {
  switch (db.type) {
    case 'sqlite3':
      return { type: db.type, file: db.file };
    case 'postgresql':
      return { type: db.type, dsn: redactDsn(db.dsn) };
    case 'mysql': {
      const connection: Record<string, unknown> = { ...db.connection };
      for (const key of ['passwd', 'password']) {
        if (connection[key] !== undefined) connection[key] = REDACTED;
      }
      return { type: db.type, connection: connection as MysqlConnection };
    }
  }
}

/**
 * The raw (merged, unvalidated) configuration with the `database` passwords replaced by
 * {@link REDACTED}, for `config dump --raw`: a DSN string and `connection.passwd`/`password`.
 */
export function redactRawConfig(raw: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const db = raw['database'];
  if (typeof db !== 'object' || db === null || Array.isArray(db)) return { ...raw };
  const out: Record<string, unknown> = { ...(db as Record<string, unknown>) };
  if (typeof out['dsn'] === 'string') out['dsn'] = redactDsn(out['dsn']);
  const conn = out['connection'];
  if (typeof conn === 'object' && conn !== null && !Array.isArray(conn)) {
    const c: Record<string, unknown> = { ...(conn as Record<string, unknown>) };
    for (const key of ['passwd', 'password']) {
      if (c[key] !== undefined) c[key] = REDACTED;
    }
    out['connection'] = c;
  }
  return { ...raw, database: out };
}
