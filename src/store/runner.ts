/**
 * {@link SqlRunner} implementations: plain SQL on a store's own connection (its locking and
 * retries included), for the notification outbox and retention.
 */
import type Database from 'better-sqlite3';
import type { ServerBackend, ServerConnection } from './network.js';
import type { SqlRunner } from './types.js';

/** A SqlRunner over a SqliteStore's connection; `retry` waits out another process's lock. */
export function sqliteRunner(
  stmt: (sql: string) => Database.Statement,
  conn: () => Database.Database,
  retry: <T>(what: string, fn: () => T) => Promise<T>,
): SqlRunner {
  return {
    kind: 'sqlite3',
    query: (sql, params = []) => retry('reading', () => stmt(sql).all(...params) as Record<string, unknown>[]),
    batch: (statements, options = {}) => {
      const tx = conn().transaction(() => statements.map((s) => stmt(s.sql).run(...s.params).changes));
      return retry(`writing (${statements.length} statements)`, () => {
        if (options.durable !== false) return tx.immediate();
        // WAL with synchronous=NORMAL: committed without an fsync; the next synced commit (a run
        // record) makes it durable. Set and reset around this one synchronous transaction, so no
        // other write runs meanwhile.
        conn().pragma('synchronous = NORMAL');
        try {
          return tx.immediate();
        } finally {
          conn().pragma('synchronous = FULL');
        }
      });
    },
    encodeTime: (t) => t,
    decodeTime: (v) => (v === null || v === undefined ? null : Number(v)),
  };
}

/** A SqlRunner over a ServerStore's connection; its transactions queue with the record writes. */
export function serverRunner(
  backend: ServerBackend,
  query: (sql: string, params: readonly unknown[]) => Promise<Record<string, unknown>[]>,
  transaction: <T>(what: string, fn: (c: ServerConnection) => Promise<T>) => Promise<T>,
): SqlRunner {
  return {
    kind: backend.kind as 'postgresql' | 'mysql',
    query: (sql, params = []) => query(sql, params),
    batch: (statements) =>
      transaction(`writing (${statements.length} statements)`, async (c) => {
        const out: number[] = [];
        for (const s of statements) out.push(await c.execute(s.sql, s.params));
        return out;
      }),
    encodeTime: (t) => backend.dialect.encodeTime(t),
    decodeTime: (v) => backend.decodeTime(v),
  };
}
