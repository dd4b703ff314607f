/**
 * The outbox in the metrics (SPEC-BEYOND §12.6): notifications waiting to be delivered and
 * notifications given up. Shown once the outbox has ever held a notification, so that an
 * installation without notifications exports exactly what Part I exports.
 *
 * `dsari_notifications_failed_total` counts the given-up notifications still in the store:
 * retention removing old runs removes their notifications too, which Prometheus reads as a
 * counter reset.
 */
import { errorMessage } from '../errors.js';
import type { MetricFamily } from '../metrics/exposition.js';
import { NOTIFICATIONS_TABLE } from '../store/notifications-table.js';
import type { RunStore } from '../store/types.js';

/** The two families, or none (no outbox, an empty one, or one that cannot be read). */
export async function notificationFamilies(store: RunStore, onError?: (message: string) => void): Promise<MetricFamily[]> {
  if (store.sqlRunner === undefined) return [];
  let rows: Record<string, unknown>[];
  try {
    rows = await store.sqlRunner().query(`SELECT state, COUNT(*) AS n FROM ${NOTIFICATIONS_TABLE} GROUP BY state`);
  } catch (err) {
    // an original database without the table: nothing to export
    onError?.(`cannot read the notification outbox: ${errorMessage(err)}`);
    return [];
  }
  if (rows.length === 0) return [];
  const count = (state: string): number => Number(rows.find((r) => r['state'] === state)?.['n'] ?? 0);
  return [
    {
      name: 'dsari_notification_outbox_depth',
      type: 'gauge',
      help: 'Notifications waiting to be delivered',
      samples: [{ labels: {}, value: count('pending'), integer: true }],
    },
    {
      name: 'dsari_notifications_failed_total',
      type: 'counter',
      help: 'Notifications given up after 24 hours of failed attempts',
      samples: [{ labels: {}, value: count('failed'), integer: true }],
    },
  ];
}
