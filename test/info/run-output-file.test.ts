import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  OutputError,
  findOutputFile,
  findOutputFileSync,
  openRunOutput,
  readRunOutput,
  readRunOutputIfExists,
  readRunOutputSync,
  runDirectory,
} from '../../src/report/output.js';
import { makeTempDir } from '../helpers/index.js';

function xz(data: Buffer): Buffer {
  return execFileSync('xz', ['-c'], { input: data });
}

async function collect(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

describe('reading a run output (output.txt, .gz, .xz)', () => {
  let tmp: ReturnType<typeof makeTempDir>;
  let dir: string;
  // bytes that are not valid UTF-8 and escape codes must come back unchanged
  const content = Buffer.concat([Buffer.from('line 1\n\x1b[31mred\x1b[0m\n'), Buffer.from([0xff, 0xfe, 0x00, 0x0a])]);

  beforeEach(() => {
    tmp = makeTempDir();
    dir = runDirectory(tmp.path, 'job', 'run-1');
    mkdirSync(dir, { recursive: true });
  });
  afterEach(() => {
    delete process.env['DSARI_XZ'];
    tmp.cleanup();
  });

  it('builds DATA_DIR/runs/JOB/RUN_ID', () => {
    expect(runDirectory('/d', 'j', 'r')).toBe(join('/d', 'runs', 'j', 'r'));
  });

  it.each([
    ['output.txt', (b: Buffer) => b, 'none'],
    ['output.txt.gz', (b: Buffer) => gzipSync(b), 'gzip'],
    ['output.txt.xz', xz, 'xz'],
  ] as const)('reads %s whole, synchronously and as a stream', async (name, encode, compression) => {
    writeFileSync(join(dir, name), encode(content));
    const file = await findOutputFile(dir);
    expect(file?.compression).toBe(compression);
    expect(findOutputFileSync(dir)?.path).toBe(join(dir, name));
    expect(await readRunOutput(dir)).toEqual(content);
    expect(readRunOutputSync(dir)).toEqual(content);
    const { stream } = await openRunOutput(dir);
    expect(await collect(stream)).toEqual(content);
  });

  it('prefers the plain file when several exist', async () => {
    writeFileSync(join(dir, 'output.txt.gz'), gzipSync(Buffer.from('old')));
    writeFileSync(join(dir, 'output.txt'), 'plain');
    expect((await readRunOutput(dir)).toString()).toBe('plain');
  });

  it('large xz output streams completely', async () => {
    const big = Buffer.alloc(5_000_000, 'abcdefghij\n');
    writeFileSync(join(dir, 'output.txt.xz'), xz(big));
    const { stream } = await openRunOutput(dir);
    const got = await collect(stream);
    expect(got.length).toBe(big.length);
    expect(got.equals(big)).toBe(true);
  });

  it('a missing output file is an OutputError with missing=true naming the directory', async () => {
    await expect(readRunOutput(dir)).rejects.toMatchObject({ missing: true, code: 'E_OUTPUT_MISSING' });
    await expect(readRunOutput(dir)).rejects.toThrow(dir);
    expect(() => readRunOutputSync(dir)).toThrow(OutputError);
    expect(await readRunOutputIfExists(dir)).toBeNull();
    expect(await findOutputFile(join(tmp.path, 'nope'))).toBeNull();
  });

  it('corrupt gzip and xz data are clear errors naming the file', async () => {
    writeFileSync(join(dir, 'output.txt.gz'), gzipSync(content).subarray(0, 12));
    await expect(readRunOutput(dir)).rejects.toThrow(/output\.txt\.gz: not valid gzip data/);
    const { stream } = await openRunOutput(dir);
    await expect(collect(stream)).rejects.toThrow(/not valid gzip data/);
    execFileSync('rm', [join(dir, 'output.txt.gz')]);
    writeFileSync(join(dir, 'output.txt.xz'), 'this is not xz');
    await expect(readRunOutput(dir)).rejects.toThrow(/output\.txt\.xz: not valid xz data/);
    expect(() => readRunOutputSync(dir)).toThrow(/not valid xz data/);
  });

  it('without the xz program, reading .xz says what is missing', async () => {
    writeFileSync(join(dir, 'output.txt.xz'), xz(content));
    process.env['DSARI_XZ'] = 'xz-not-installed-here';
    await expect(readRunOutput(dir)).rejects.toThrow(/needs the "xz-not-installed-here" program \(Debian package xz-utils\)/);
    expect(() => readRunOutputSync(dir)).toThrow(/xz-utils/);
  });
});
