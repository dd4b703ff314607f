import { describe, expect, it } from 'vitest';
import { parseExpositionStrict } from './strict-parser.js';

// The strict parser must itself reject what the format forbids, or it proves nothing.
describe('the strict exposition parser used by the tests', () => {
  it('accepts a valid document', () => {
    const fams = parseExpositionStrict('# HELP x_total h\\\\elp\n# TYPE x_total counter\nx_total{a="q\\"\\\\\\n"} 1\n# plain comment\ny NaN\nz{} +Inf 123\n');
    expect(fams.map((f) => [f.name, f.type, f.samples.length])).toEqual([
      ['x_total', 'counter', 1],
      ['y', 'untyped', 1],
      ['z', 'untyped', 1],
    ]);
    expect(fams[0]?.samples[0]?.labels['a']).toBe('q"\\\n');
    expect(fams[0]?.help).toBe('h\\elp');
  });
  it.each([
    ['bad metric name', '1x 1\n'],
    ['bad label name', 'x{1a="b"} 1\n'],
    ['unquoted label', 'x{a=b} 1\n'],
    ['bad escape', 'x{a="\\t"} 1\n'],
    ['bad value', 'x 1,5\n'],
    ['TYPE after samples', 'x 1\n# TYPE x gauge\n'],
    ['family split', '# TYPE x gauge\nx 1\ny 1\nx{a="b"} 2\n'],
    ['duplicate series', 'x{a="b"} 1\nx{a="b"} 2\n'],
    ['summary without quantile', '# TYPE s summary\ns{a="b"} 1\n'],
    ['quantile out of range', '# TYPE s summary\ns{quantile="2"} 1\n'],
    ['no final newline', 'x 1'],
    ['unknown type', '# TYPE x thing\n'],
  ])('rejects %s', (_why, text) => {
    expect(() => parseExpositionStrict(text)).toThrow();
  });
});
