import { closeSync, mkdirSync, openSync, ftruncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RETURN_DATA_MAX_BYTES, readReturnData } from '../../src/executor/return-data.js';
import { readExitStatus } from '../../src/executor/status.js';
import { makeTempDir } from '../helpers/index.js';

let tmp: ReturnType<typeof makeTempDir>;
let dir: string;
beforeEach(() => {
  tmp = makeTempDir('dsari-rd-');
  dir = join(tmp.path, 'run');
  mkdirSync(dir);
});
afterEach(() => tmp.cleanup());

describe('readReturnData', () => {
  it('is empty when the run left nothing', () => {
    expect(readReturnData(dir)).toEqual({});
  });

  it('reads a JSON mapping', () => {
    writeFileSync(join(dir, 'return_data.json'), '{"artifacts": ["a.tar"], "count": 2}');
    expect(readReturnData(dir)).toEqual({ file: join(dir, 'return_data.json'), data: { artifacts: ['a.tar'], count: 2 } });
  });

  it('reads a YAML mapping', () => {
    writeFileSync(join(dir, 'return_data.yaml'), 'version: 1.2\nok: true\nlist:\n  - x\n');
    expect(readReturnData(dir)).toEqual({ file: join(dir, 'return_data.yaml'), data: { version: 1.2, ok: true, list: ['x'] } });
  });

  it('prefers JSON over YAML', () => {
    writeFileSync(join(dir, 'return_data.json'), '{"from": "json"}');
    writeFileSync(join(dir, 'return_data.yaml'), 'from: yaml\n');
    expect(readReturnData(dir).data).toEqual({ from: 'json' });
  });

  it.each([
    ['return_data.json', '{"a": ', /return_data\.json: invalid JSON: /],
    ['return_data.yaml', 'a: [1, 2\n', /return_data\.yaml: invalid YAML: /],
    ['return_data.json', '[1, 2]', /return_data\.json: must contain a mapping, found a list$/],
    ['return_data.json', '"text"', /return_data\.json: must contain a mapping, found string$/],
    ['return_data.yaml', '', /return_data\.yaml: must contain a mapping, found null$/],
    ['return_data.json', '\u0000\u0001garbage', /return_data\.json: invalid JSON/],
  ])('%s containing %j is an error naming the file', (name, content, message) => {
    writeFileSync(join(dir, name), content);
    const r = readReturnData(dir);
    expect(r.data).toBeUndefined();
    expect(r.file).toBe(join(dir, name));
    expect(r.error).toMatch(message);
    expect(r.error).toContain(join(dir, name));
  });

  it('does not read a huge file', () => {
    const file = join(dir, 'return_data.json');
    const fd = openSync(file, 'w');
    ftruncateSync(fd, 100 * 1024 * 1024);
    closeSync(fd);
    const before = process.memoryUsage().rss;
    const r = readReturnData(dir);
    expect(process.memoryUsage().rss - before).toBeLessThan(20 * 1024 * 1024);
    expect(r.error).toBe(`${file}: 104857600 bytes is larger than the limit of ${RETURN_DATA_MAX_BYTES} bytes; not read`);
  });

  it('a directory in the way is an error, not a crash', () => {
    mkdirSync(join(dir, 'return_data.json'));
    expect(readReturnData(dir).error).toMatch(/not a regular file/);
  });
});

describe('readExitStatus', () => {
  it.each([
    ['0\n', 0],
    ['143\n', 143],
    ['255', 255],
    ['256\n', null],
    ['', null],
    ['x\n', null],
    ['-1\n', null],
  ])('%j → %j', (content, expected) => {
    writeFileSync(join(dir, '.dsari-exit-status'), content);
    expect(readExitStatus(dir)).toBe(expected);
  });
  it('null without a file', () => {
    expect(readExitStatus(dir)).toBeNull();
  });
});
