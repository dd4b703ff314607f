import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ControlStripper, stripControls } from '../../src/cli/sanitise.js';

const s = (text: string): string => stripControls(Buffer.from(text, 'utf8')).toString('utf8');

describe('stripping control sequences from run output shown on a terminal', () => {
  it.each([
    ['plain text', 'hello\tworld\r\n', 'hello\tworld\r\n'],
    ['SGR colours pass', '\x1b[31mred\x1b[0m \x1b[1;38;5;200mx\x1b[m', '\x1b[31mred\x1b[0m \x1b[1;38;5;200mx\x1b[m'],
    ['truecolour with colons passes', '\x1b[38:2::1:2:3mx', '\x1b[38:2::1:2:3mx'],
    ['cursor movement removed', 'a\x1b[2Jb\x1b[10;10Hc\x1b[?25ld', 'abcd'],
    ['private SGR-like removed', '\x1b[>4;2m', ''],
    ['OSC title with BEL removed', 'a\x1b]0;owned\x07b', 'ab'],
    ['OSC 52 clipboard with ST removed', 'a\x1b]52;c;ZXZpbA==\x1b\\b', 'ab'],
    ['DCS removed', 'a\x1bPq#0;2;0;0;0\x1b\\b', 'ab'],
    ['two-byte escapes removed', 'a\x1bcb\x1b(Bc\x1b7d', 'abcd'],
    ['C0 controls removed, bell too', 'a\x00b\x07c\x7fd\x08e', 'abcd\x08e'],
    ['8-bit CSI (UTF-8 C1) removed', 'a\u009b2Jb\u009d0;t\u009cc', 'abc'],
    ['other C1 removed', 'a\u0085b', 'ab'],
    ['non-ASCII text kept', 'café ✓ 日本\n', 'café ✓ 日本\n'],
  ])('%s', (_name, input, expected) => {
    expect(s(input)).toBe(expected);
  });

  it('keeps invalid UTF-8 bytes as they are', () => {
    const raw = Buffer.from([0x61, 0xff, 0xfe, 0xc2, 0x41, 0x62]);
    expect(stripControls(raw)).toEqual(raw);
  });

  it('gives the same result however the input is split into chunks', () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom('a', 'é', '\x1b', '[', ']', '3', '1', ';', 'm', 'H', '\x07', '\\', '\n', '\u009b', 'P', '\u009c'), { maxLength: 60 }),
        fc.array(fc.nat(80), { maxLength: 6 }),
        (parts, cuts) => {
          const input = Buffer.from(parts.join(''), 'utf8');
          const whole = stripControls(input);
          const points = [...new Set(cuts.map((c) => c % (input.length + 1)))].sort((a, b) => a - b);
          const st = new ControlStripper();
          const out: Buffer[] = [];
          let prev = 0;
          for (const p of [...points, input.length]) {
            out.push(st.push(input.subarray(prev, p)));
            prev = p;
          }
          out.push(st.flush());
          expect(Buffer.concat(out)).toEqual(whole);
          // nothing but SGR escapes survives
          const text = whole.toString('latin1');
          const ESC = String.fromCharCode(0x1b);
          const sgr = new RegExp(`^${ESC}\\[[0-9;:]*m`);
          for (let at = text.indexOf(ESC); at !== -1; at = text.indexOf(ESC, at + 1)) {
            expect(text.slice(at)).toMatch(sgr);
          }
        },
      ),
    );
  });
});
