import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CommandSplitError, joinCommand, quoteWord, splitCommand } from '../../src/config/command.js';

describe('splitCommand (shlex.split, POSIX mode)', () => {
  const cases: Array<[string, string[]]> = [
    ['/bin/true', ['/bin/true']],
    ['  echo   a\tb\nc  ', ['echo', 'a', 'b', 'c']],
    [`echo 'a b' "c d"`, ['echo', 'a b', 'c d']],
    [`a'b'"c"d`, ['abcd']],
    [`echo ''`, ['echo', '']],
    [`echo ""`, ['echo', '']],
    [`echo '$HOME' "$HOME"`, ['echo', '$HOME', '$HOME']],
    [`echo a\\ b`, ['echo', 'a b']],
    [`echo \\'x\\'`, ['echo', "'x'"]],
    [`echo "a \\" b"`, ['echo', 'a " b']],
    [`echo "a \\\\ b"`, ['echo', 'a \\ b']],
    [`echo "a \\$ b"`, ['echo', 'a \\$ b']],
    [`echo 'a \\ b'`, ['echo', 'a \\ b']],
    [`sh -c 'echo "hi $JOB_NAME"; exit 3'`, ['sh', '-c', 'echo "hi $JOB_NAME"; exit 3']],
    [`a#b # c`, ['a#b', '#', 'c']],
    ['', []],
    ['   ', []],
  ];
  it.each(cases)('%j', (line, argv) => {
    expect(splitCommand(line)).toEqual(argv);
  });

  it.each([
    [`echo 'abc`, "no closing quotation (' at character 6)"],
    [`echo "abc`, 'no closing quotation (" at character 6)'],
    [`echo abc\\`, 'no escaped character after the final backslash'],
  ])('refuses %j', (line, message) => {
    expect(() => splitCommand(line)).toThrow(CommandSplitError);
    expect(() => splitCommand(line)).toThrow(message);
  });

  it('gives back any argv joined with quoteWord', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: 'grapheme-composite' })), (argv) => {
        expect(splitCommand(joinCommand(argv))).toEqual(argv);
      }),
      { numRuns: 500 },
    );
  });

  it('never throws anything but CommandSplitError, and returns strings', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom('a', ' ', "'", '"', '\\', '\t', 'b') }), (line) => {
        try {
          const words = splitCommand(line);
          expect(words.every((w) => typeof w === 'string')).toBe(true);
        } catch (err) {
          expect(err).toBeInstanceOf(CommandSplitError);
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('splits unquoted words exactly at whitespace', () => {
    fc.assert(
      fc.property(fc.array(fc.stringMatching(/^[A-Za-z0-9_./=-]+$/), { minLength: 1 }), fc.constantFrom(' ', '\t', '  ', '\n'), (words, gap) => {
        expect(splitCommand(words.join(gap))).toEqual(words);
      }),
    );
  });

  it('quotes only when needed', () => {
    expect(quoteWord('abc')).toBe('abc');
    expect(quoteWord('')).toBe("''");
    expect(quoteWord("it's")).toBe(`'it'"'"'s'`);
  });
});

describe('parseJsonMarkingFloats', () => {
  it('reads any JSON exactly as JSON.parse does', async () => {
    const { parseJsonMarkingFloats } = await import('../../src/config/json-numbers.js');
    fc.assert(
      fc.property(fc.jsonValue(), fc.constantFrom(0, 2), (v, indent) => {
        const text = JSON.stringify(v, null, indent);
        expect(parseJsonMarkingFloats(text)).toStrictEqual(JSON.parse(text));
      }),
      { numRuns: 300 },
    );
  });
});
