/* eslint-disable no-control-regex -- the tests look for control characters in output */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ansiToHtml, collapseCarriageReturns, escapeHtml, stripAnsi } from '../../src/report/ansi.js';

describe('ansiToHtml', () => {
  it.each([
    ['plain <b>&"\'', 'plain &lt;b&gt;&amp;&quot;&#39;'],
    ['\x1b[31mred\x1b[0m', '<span class="a-f1">red</span>'],
    ['\x1b[1;32mbold green\x1b[m', '<span class="a-f2 a-bold">bold green</span>'],
    ['\x1b[92mbright\x1b[39m', '<span class="a-f10">bright</span>'],
    ['\x1b[44mblue bg\x1b[49m x', '<span class="a-b4">blue bg</span> x'],
    ['\x1b[38;5;196mx', '<span style="color:#ff0000">x</span>'],
    ['\x1b[38;5;9mx', '<span class="a-f9">x</span>'],
    ['\x1b[38;2;1;2;3mx', '<span style="color:#010203">x</span>'],
    ['\x1b[1mA\x1b[22mB', '<span class="a-bold">A</span>B'],
    ['\x1b[4;3;2mA', '<span class="a-dim a-italic a-ul">A</span>'],
    ['\x1b[31m<script>\x1b[0m', '<span class="a-f1">&lt;script&gt;</span>'],
  ])('%j', (input, html) => {
    expect(ansiToHtml(input)).toBe(html);
  });

  it('strips other escape sequences and control characters', () => {
    expect(ansiToHtml('a\x1b[2Kb\x1b[1;1Hc\x1b]0;title\x07d\x1b]8;;http://x\x1b\\e\x1b(Bf\x00g\x07h\bi')).toBe('abcdefghi');
    expect(ansiToHtml('tab\there\nnext')).toBe('tab\there\nnext');
  });

  it('drops a sequence cut off at the end', () => {
    expect(ansiToHtml('ok\x1b[3')).toBe('ok');
    expect(ansiToHtml('ok\x1b')).toBe('ok');
    expect(ansiToHtml('ok\x1b]0;unterminated')).toBe('ok');
  });

  it('keeps only the last state of a line rewritten with \\r, with its colours', () => {
    expect(collapseCarriageReturns('10%\r50%\r100%\nnext')).toBe('100%\nnext');
    expect(collapseCarriageReturns('a\r\nb\r\n')).toBe('a\nb\n');
    expect(ansiToHtml('\x1b[32m10%\r100%\x1b[0m')).toBe('<span class="a-f2">100%</span>');
  });

  it('inverse swaps colours', () => {
    expect(ansiToHtml('\x1b[7mX')).toBe('<span class="a-f-bg a-b-fg">X</span>');
  });

  it('never emits markup from input and never throws (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (s) => {
        const html = ansiToHtml(s);
        const withoutSpans = html.replace(/<span( class="[a-z0-9 -]+")?( style="[a-z:#0-9;-]+")?>|<\/span>/g, '');
        expect(withoutSpans).not.toMatch(/[<>\x00\x1b]/);
        expect(stripAnsi(s)).not.toMatch(/[\x00\x1b]/);
      }),
      { numRuns: 500 },
    );
  });

  it('escapeHtml', () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  });
});
