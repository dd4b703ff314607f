/**
 * Every test file gets its own configuration cache directory (src/config/cache.ts): the built
 * commands it starts write their caches there, not into the home directory of whoever runs the
 * suite, and the directory is removed after the file.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';

const dir = mkdtempSync(join(tmpdir(), 'dsari-test-cache-'));
process.env['XDG_CACHE_HOME'] = dir;
afterAll(() => rmSync(dir, { recursive: true, force: true }));
