import { describe, expect, it } from 'vitest';
import { newRunId } from '../../src/daemon/run-id.js';

describe('newRunId', () => {
  it('gives distinct version-4 UUIDs in canonical lowercase form', () => {
    const ids = Array.from({ length: 1000 }, () => newRunId());
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
