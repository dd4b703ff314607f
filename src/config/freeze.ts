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
  freezeValue(value, new Set());
  return value;
}

function freezeValue(value: unknown, seen: Set<unknown>): unknown {
  if (value === null || typeof value !== 'object' || seen.has(value)) return value;
  seen.add(value);
  if (value instanceof Map && !(value instanceof FrozenMap)) {
    throw new TypeError('deepFreeze: use FrozenMap for maps');
  }
  if (value instanceof Map) {
    for (const v of value.values()) freezeValue(v, seen);
    return value;
  }
  for (const k of Object.keys(value)) freezeValue((value as Record<string, unknown>)[k], seen);
  Object.freeze(value);
  return value;
}
