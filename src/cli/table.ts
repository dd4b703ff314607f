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

function charWidth(ch: string): number {
  const cp = ch.codePointAt(0) ?? 0;
  if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0)) return 0;
  if (/\p{Mn}|\p{Me}|\p{Cf}/u.test(ch)) return 0;
  return isWide(cp) ? 2 : 1;
}

/** Columns `text` takes on a terminal (wide East Asian characters count 2, combining marks 0). */
export function displayWidth(text: string): number {
  if (/^[\x20-\x7e]*$/.test(text)) return text.length;
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
  const cells: TableCell[][] = rows.map((r) => r.map((c) => (typeof c === 'string' ? { text: c } : c)));
  const widths = headers.map((h, i) => Math.max(displayWidth(h), ...cells.map((r) => displayWidth(r[i]?.text ?? ''))));
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
  const colWidth = (i: number): number => (i === shown - 1 && cutLast !== null ? cutLast : (widths[i] ?? 0));
  const rule = options.unicode ? '─' : '-';
  const lines: string[] = [];
  const join = (parts: string[]): string => parts.join(SEPARATOR).trimEnd();
  lines.push(join(headers.slice(0, shown).map((h, i) => centre(truncate(h, colWidth(i)), colWidth(i)))));
  lines.push(join(headers.slice(0, shown).map((_, i) => rule.repeat(colWidth(i)))));
  for (const row of cells) {
    const parts: string[] = [];
    for (let i = 0; i < shown; i++) {
      const cell = row[i] ?? { text: '' };
      const text = truncate(cell.text, colWidth(i));
      const pad = i === shown - 1 ? '' : ' '.repeat(Math.max(0, colWidth(i) - displayWidth(text)));
      parts.push(options.palette.paint(text, cell.style) + pad);
    }
    lines.push(join(parts));
  }
  return lines.map((l) => `${l}\n`).join('');
}
