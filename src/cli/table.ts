/**
 * The `pretty` tables of dsari-info: centred headers, a rule, columns three spaces apart, fitted to
 * the terminal's width. Styles (colours) do not count towards widths.
 */
import type { Palette, Style } from './output.js';

export interface TableCell {
  readonly text: string;
  readonly style?: Style | undefined;
}

export interface TableOptions {
  /** Width to fit the table to; null = no limit. */
  readonly width: number | null;
  readonly palette: Palette;
  /** Draw the rule with `─` instead of `-`. */
  readonly unicode: boolean;
}

const SEPARATOR = '   ';
/** A last column narrower than this is dropped rather than cut. */
const MIN_CUT_WIDTH = 10;

function isWide(cp: number): boolean {
  return (
    (cp >= 0x1100 && cp <= 0x115f) ||
    (cp >= 0x2e80 && cp <= 0xa4cf && cp !== 0x303f) ||
    (cp >= 0xac00 && cp <= 0xd7a3) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0xfe30 && cp <= 0xfe4f) ||
    (cp >= 0xff00 && cp <= 0xff60) ||
    (cp >= 0xffe0 && cp <= 0xffe6) ||
    (cp >= 0x1f300 && cp <= 0x1f64f) ||
    (cp >= 0x1f900 && cp <= 0x1f9ff) ||
    (cp >= 0x20000 && cp <= 0x3fffd)
  );
}

/** Printable ASCII only: one column per character. */
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

function charWidth(ch: string): number {
  const cp = ch.codePointAt(0) ?? 0;
  if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0)) return 0;
  if (/\p{Mn}|\p{Me}|\p{Cf}/u.test(ch)) return 0;
  return isWide(cp) ? 2 : 1;
}

/** Columns `text` takes on a terminal (wide East Asian characters count 2, combining marks 0). */
export function displayWidth(text: string): number {
  if (PRINTABLE_ASCII.test(text)) return text.length;
  let w = 0;
  for (const ch of text) w += charWidth(ch);
  return w;
}

/** `text` cut to at most `width` columns, ending in `…` when cut. */
export function truncate(text: string, width: number): string {
  if (displayWidth(text) <= width) return text;
  let out = '';
  let w = 0;
  for (const ch of text) {
    const cw = charWidth(ch);
    if (w + cw > width - 1) break;
    out += ch;
    w += cw;
  }
  return `${out}…`;
}

function centre(text: string, width: number): string {
  const pad = Math.max(0, width - displayWidth(text));
  const left = Math.floor(pad / 2);
  return ' '.repeat(left) + text + ' '.repeat(pad - left);
}

/**
 * The table as text (lines end in `\n`). When it is wider than `width`, the last column is cut
 * (ending in `…`) if enough of it fits, else dropped, and so on leftwards; the first column always
 * stays.
 */
export function formatTable(headers: readonly string[], rows: readonly (readonly (string | TableCell)[])[], options: TableOptions): string {
  const columns = headers.length;
  // Each cell's width is measured once (listings have thousands of rows).
  const cellWidths = new Array<number>(rows.length * columns);
  const widths = headers.map(displayWidth);
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r] as readonly (string | TableCell)[];
    // A row all printable ASCII (most are) is tested once, not cell by cell.
    let all = '';
    for (let i = 0; i < columns; i++) all += cellText(row[i]);
    const ascii = PRINTABLE_ASCII.test(all);
    for (let i = 0; i < columns; i++) {
      const text = cellText(row[i]);
      const w = ascii ? text.length : displayWidth(text);
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

function cellText(cell: string | TableCell | undefined): string {
  return cell === undefined ? '' : typeof cell === 'string' ? cell : cell.text;
}
