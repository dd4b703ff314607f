import { describe, expect, it } from 'vitest';
import { Palette, formatTimedelta, jobStyle, terminalInfo } from '../../src/cli/output.js';
import { displayWidth, formatTable } from '../../src/cli/table.js';

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
