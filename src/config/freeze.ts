/**
 * Deep freezing the validated configuration, so that nothing downstream can change it by
 * accident: objects and arrays are frozen, maps become {@link FrozenMap}s.
 */

/** A Map whose contents cannot change after construction (set/delete/clear throw TypeError). */
export class FrozenMap<K, V> extends Map<K, V> {
  private sealed = false;

  constructor(entries: Iterable<readonly [K, V]>) {
    super(entries);
    this.sealed = true;
    Object.freeze(this);
  }

  override set(key: K, value: V): this {
    if (this.sealed) throw new TypeError('the configuration is frozen');
    return super.set(key, value);
  }

  override delete(_key: K): boolean {
    throw new TypeError('the configuration is frozen');
  }

  override clear(): void {
    throw new TypeError('the configuration is frozen');
  }
}

/** Freezes `value` and everything reachable from it; returns it. */
export function deepFreeze<T>(value: T): T {
  freezeValue(value);
  return value;
}

// An object already frozen is taken as done: that is what stops shared sub-trees and cycles
// (YAML aliases) from being walked twice.
function freezeValue(value: unknown): void {
  if (value === null || typeof value !== 'object') return;
  if (value instanceof Map) {
    // A FrozenMap is frozen from birth; its values still need freezing.
    if (!(value instanceof FrozenMap)) throw new TypeError('deepFreeze: use FrozenMap for maps');
    for (const v of value.values()) freezeValue(v);
    return;
  }
  if (Object.isFrozen(value)) return;
  Object.freeze(value);
  // Own values (the configuration's objects are plain: nothing enumerable is inherited); only
  // objects are visited (10,000 jobs' strings and numbers made most of the calls).
  const values: readonly unknown[] = Array.isArray(value) ? value : Object.values(value);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v !== null && typeof v === 'object') freezeValue(v);
  }
}
