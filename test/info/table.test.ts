import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Palette, formatTimedelta, jobStyle, terminalInfo } from '../../src/cli/output.js';
import { displayWidth, formatTable, truncate, type TableCell, type TableOptions } from '../../src/cli/table.js';

const plain = new Palette(false);

describe('pretty tables', () => {
  const headers = ['Job Name', 'Schedule', 'Command'];
  const rows = [
    ['backup', 'H H * * *', '/usr/bin/backup --all'],
    ['x', '', 'true'],
  ];

  it('centres headers, rules with dashes, separates columns by three spaces', () => {
    expect(formatTable(headers, rows, { width: null, palette: plain, unicode: false })).toBe(
      [
        'Job Name   Schedule           Command',
        '--------   ---------   ---------------------',
        'backup     H H * * *   /usr/bin/backup --all',
        'x                      true',
        '',
      ].join('\n'),
    );
  });

  it('uses box drawing in a UTF-8 locale', () => {
    expect(formatTable(['ab'], [['x']], { width: null, palette: plain, unicode: true })).toBe('ab\n──\nx\n');
  });

  it('cuts the last column to fit the width, or drops it when too little would be left', () => {
    const cut = formatTable(headers, rows, { width: 35, palette: plain, unicode: false });
    for (const line of cut.split('\n')) expect(displayWidth(line)).toBeLessThanOrEqual(35);
    expect(cut).toContain('backup     H H * * *   /usr/bin/ba…');
    const dropped = formatTable(headers, rows, { width: 25, palette: plain, unicode: false });
    expect(dropped).not.toContain('Command');
    expect(dropped).toContain('backup     H H * * *');
    for (const line of dropped.split('\n')) expect(displayWidth(line)).toBeLessThanOrEqual(25);
  });

  it('colours do not count towards widths', () => {
    const colour = new Palette(true);
    const out = formatTable(['A', 'B'], [[{ text: 'red', style: { colour: 'red' } }, 'x']], { width: null, palette: colour, unicode: false });
    expect(out).toBe(' A    B\n---   -\n\x1b[31mred\x1b[0m   x\n');
  });

  it('wide characters count double', () => {
    expect(displayWidth('日本')).toBe(4);
    expect(displayWidth('e\u0301')).toBe(1);
  });
});

describe('terminal facts and colours', () => {
  it('no colour or width when piped; COLUMNS sets the width', () => {
    expect(terminalInfo({ isTTY: false }, {})).toMatchObject({ isTty: false, colour: false, columns: null });
    expect(terminalInfo({ isTTY: false }, { COLUMNS: '50' }).columns).toBe(50);
    expect(terminalInfo({ isTTY: true, columns: 90 }, { TERM: 'xterm' })).toMatchObject({ colour: true, columns: 90 });
    expect(terminalInfo({ isTTY: true, columns: 90 }, { NO_COLOR: '1' }).colour).toBe(false);
    expect(terminalInfo({ isTTY: true }, { LANG: 'en_US.UTF-8' }).unicode).toBe(true);
  });

  it('a job keeps its colour, never red', () => {
    const names = Array.from({ length: 200 }, (_, i) => `job-${i}`);
    const styles = names.map(jobStyle);
    expect(names.map(jobStyle)).toEqual(styles);
    expect(styles.some((s) => s.colour === 'red')).toBe(false);
    expect(new Set(styles.map((s) => `${s.colour}${s.bold}`)).size).toBe(12);
  });

  it('formats durations as the original (Python timedelta)', () => {
    expect(formatTimedelta(1.02)).toBe('0:00:01.020000');
    expect(formatTimedelta(3723)).toBe('1:02:03');
    expect(formatTimedelta(86400 + 61.5)).toBe('1 day, 0:01:01.500000');
    expect(formatTimedelta(2 * 86400)).toBe('2 days, 0:00:00');
    expect(formatTimedelta(-0.5)).toBe('-1 day, 23:59:59.500000');
  });
});

describe('formatTable on long listings', () => {
  it('formats 300,000 rows (a spread of every width once overflowed the call stack)', () => {
    const rows = Array.from({ length: 300_000 }, (_, i) => [String(i), { text: i % 7 === 0 ? 'x'.repeat(12) : 'y' }]);
    const text = formatTable(['N', 'Text'], rows, { width: null, palette: new Palette(false), unicode: false });
    const lines = text.split('\n');
    expect(lines).toHaveLength(300_003);
    expect(lines[2]).toBe('0        xxxxxxxxxxxx');
    expect(lines[300_000]).toBe('299998   y');
    expect(lines[300_001]).toBe('299999   xxxxxxxxxxxx');
  });
});

// formatTable before it measured a row of printable ASCII at once (issue 15): each cell on its own.
const SEPARATOR = '   ';
const MIN_CUT_WIDTH = 10;
function centre(text: string, width: number): string {
  const pad = Math.max(0, width - displayWidth(text));
  const left = Math.floor(pad / 2);
  return ' '.repeat(left) + text + ' '.repeat(pad - left);
}
function cellText(cell: string | TableCell | undefined): string {
  return cell === undefined ? '' : typeof cell === 'string' ? cell : cell.text;
}
function referenceTable(headers: readonly string[], rows: readonly (readonly (string | TableCell)[])[], options: TableOptions): string {
  const columns = headers.length;
  // Each cell's width is measured once (listings have thousands of rows).
  const cellWidths = new Array<number>(rows.length * columns);
  const widths = headers.map(displayWidth);
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r] as readonly (string | TableCell)[];
    for (let i = 0; i < columns; i++) {
      const w = displayWidth(cellText(row[i]));
      cellWidths[r * columns + i] = w;
      if (w > (widths[i] as number)) widths[i] = w;
    }
  }
  let shown = widths.length;
  let cutLast: number | null = null;
  if (options.width !== null) {
    const limit = options.width;
    const total = (n: number): number => widths.slice(0, n).reduce((a, b) => a + b, 0) + SEPARATOR.length * (n - 1);
    while (shown > 1 && total(shown) > limit) {
      const room = limit - (total(shown - 1) + SEPARATOR.length);
      const lastWidth = widths[shown - 1] ?? 0;
      if (room >= Math.min(MIN_CUT_WIDTH, lastWidth)) {
        cutLast = room;
        break;
      }
      shown--;
    }
    if (shown === 1 && (widths[0] ?? 0) > limit) cutLast = limit;
  }
  const colWidths = Array.from({ length: shown }, (_, i) => (i === shown - 1 && cutLast !== null ? cutLast : (widths[i] ?? 0)));
  const rule = options.unicode ? '─' : '-';
  const lines: string[] = [];
  const join = (parts: string[]): string => parts.join(SEPARATOR).trimEnd();
  lines.push(join(colWidths.map((w, i) => centre(truncate(headers[i] as string, w), w))));
  lines.push(join(colWidths.map((w) => rule.repeat(w))));
  const { palette } = options;
  const parts: string[] = new Array<string>(shown);
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r] as readonly (string | TableCell)[];
    for (let i = 0; i < shown; i++) {
      const cell = row[i];
      const width = colWidths[i] as number;
      let text = cellText(cell);
      let w = cellWidths[r * columns + i] as number;
      if (w > width) {
        text = truncate(text, width);
        w = displayWidth(text);
      }
      const painted = typeof cell === 'object' ? palette.paint(text, cell.style) : text;
      parts[i] = i === shown - 1 || w >= width ? painted : painted + ' '.repeat(width - w);
    }
    lines.push(join(parts));
  }
  return `${lines.join('\n')}\n`;
}

describe('pretty tables, measured', () => {
  it('are what measuring each cell on its own gives, for any cells (ASCII, wide, combining, control characters), widths and styles', () => {
    const text = fc.oneof(
      { weight: 4, arbitrary: fc.string({ maxLength: 12 }) },
      fc.constantFrom('', 'é', '日本語', 'e\u0301', 'a\tb', '\u{1F600}x', 'abc\u200b', '\x1b[1m'),
      fc.string({ unit: 'grapheme', maxLength: 6 }),
    );
    const cell: fc.Arbitrary<string | TableCell> = fc.oneof(text, fc.record({ text, style: fc.constantFrom(undefined, { colour: 'red' as const }, { bold: true }) }));
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5 }).chain((n) => fc.tuple(fc.array(text, { minLength: n, maxLength: n }), fc.array(fc.array(cell, { minLength: n, maxLength: n }), { maxLength: 8 }))),
        fc.oneof(fc.constant(null), fc.integer({ min: 1, max: 60 })),
        fc.boolean(),
        fc.boolean(),
        ([headers, rows], width, colour, unicode) => {
          const options: TableOptions = { width, palette: new Palette(colour), unicode };
          expect(formatTable(headers, rows, options)).toBe(referenceTable(headers, rows, options));
        },
      ),
      { numRuns: 500 },
    );
  });
});
