import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { ConfigError } from '../../src/errors.js';
import { ROOT } from '../helpers/index.js';

const FIXTURES = join(ROOT, 'test/fixtures/bad-config');
const cases = readdirSync(FIXTURES).sort();

describe('broken configurations: each gives its exact error', () => {
  it('has cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(15);
  });
  it.each(cases)('%s', (name) => {
    const dir = join(FIXTURES, name);
    const expected = readFileSync(join(dir, 'expected-error.txt'), 'utf8').trimEnd();
    let err: unknown;
    try {
      loadConfig({ configDir: dir, env: { HOME: '/nonexistent' } });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toBe(expected);
    expect((err as Error).message).not.toContain('\n');
  });
});
