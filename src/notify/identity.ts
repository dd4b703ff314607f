/**
 * How an outbox row names its notifier without storing a secret: the notifier's position in the
 * job's list and a fingerprint of its configuration. A row whose notifier is no longer in the
 * configuration (removed or changed by a reload) is dropped, not delivered somewhere else.
 */
import { createHash } from 'node:crypto';
import type { NotifierConfig } from '../config/notify.js';

/** `N:fingerprint` — N is 1-based. */
export function notifierKey(notifier: NotifierConfig, index: number): string {
  const hash = createHash('sha256').update(JSON.stringify(notifier)).digest('hex').slice(0, 24);
  return `${index + 1}:${hash}`;
}

/** How a notifier is shown in logs, `dsari-info` and reports: never its URL or headers. */
export function notifierLabel(notifier: NotifierConfig, index: number): string {
  return notifier.kind === 'command' ? `command ${index + 1} (${notifier.command[0] ?? ''})` : `webhook ${index + 1} (${notifier.format})`;
}

/** The notifier of `list` with this key, and its index; null if none matches. */
export function findNotifier(list: readonly NotifierConfig[], key: string): { notifier: NotifierConfig; index: number } | null {
  for (const [index, notifier] of list.entries()) if (notifierKey(notifier, index) === key) return { notifier, index };
  return null;
}
