/**
 * Terminal output → safe HTML. SGR colour codes (`ESC[…m`) become `<span class="…">`; every
 * other escape sequence and control character is dropped; all text is HTML-escaped. Carriage
 * returns behave roughly as on a terminal: of a line rewritten with `\r` (progress bars), only
 * its last state is kept.
 */
/* eslint-disable no-control-regex -- matching terminal control characters is this module's job */

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => {
    switch (c) {
      case '&': return '&amp;';
      case '<': return '&lt;';
      case '>': return '&gt;';
      case '"': return '&quot;';
      default: return '&#39;';
    }
  });
}

interface Style {
  fg: string | null;
  bg: string | null;
  bold: boolean;
  dim: boolean;
  italic: boolean;
  underline: boolean;
  inverse: boolean;
}

const PLAIN: Style = { fg: null, bg: null, bold: false, dim: false, italic: false, underline: false, inverse: false };

/** The xterm 256-colour palette entry `n` as `#rrggbb` (16–255; 0–15 use the classes). */
function xterm256(n: number): string {
  if (n >= 232) {
    const v = 8 + (n - 232) * 10;
    return `#${hex(v)}${hex(v)}${hex(v)}`;
  }
  const i = n - 16;
  const steps = [0, 95, 135, 175, 215, 255];
  const r = steps[Math.floor(i / 36) % 6] ?? 0;
  const g = steps[Math.floor(i / 6) % 6] ?? 0;
  const b = steps[i % 6] ?? 0;
  return `#${hex(r)}${hex(g)}${hex(b)}`;
}

function hex(v: number): string {
  return Math.max(0, Math.min(255, Math.round(v))).toString(16).padStart(2, '0');
}

/** Colour spec: `c3` (class for palette entry 3; 8–15 bright) or `#rrggbb`. */
function extendedColour(params: number[], i: number): { colour: string | null; used: number } {
  const mode = params[i + 1];
  if (mode === 5) {
    const n = params[i + 2];
    if (n === undefined || n < 0 || n > 255) return { colour: null, used: 2 };
    return { colour: n < 16 ? `c${n}` : xterm256(n), used: 2 };
  }
  if (mode === 2) {
    const [r, g, b] = [params[i + 2], params[i + 3], params[i + 4]];
    if (r === undefined || g === undefined || b === undefined) return { colour: null, used: 4 };
    return { colour: `#${hex(r)}${hex(g)}${hex(b)}`, used: 4 };
  }
  return { colour: null, used: 1 };
}

function applySgr(style: Style, paramText: string): Style {
  const s = { ...style };
  const params = paramText === '' ? [0] : paramText.split(/[;:]/).map((p) => (p === '' ? 0 : Number.parseInt(p, 10)));
  for (let i = 0; i < params.length; i++) {
    const p = params[i] ?? 0;
    if (p === 0) Object.assign(s, PLAIN);
    else if (p === 1) s.bold = true;
    else if (p === 2) s.dim = true;
    else if (p === 3) s.italic = true;
    else if (p === 4) s.underline = true;
    else if (p === 7) s.inverse = true;
    else if (p === 22) s.bold = s.dim = false;
    else if (p === 23) s.italic = false;
    else if (p === 24) s.underline = false;
    else if (p === 27) s.inverse = false;
    else if (p >= 30 && p <= 37) s.fg = `c${p - 30}`;
    else if (p === 39) s.fg = null;
    else if (p >= 40 && p <= 47) s.bg = `c${p - 40}`;
    else if (p === 49) s.bg = null;
    else if (p >= 90 && p <= 97) s.fg = `c${p - 90 + 8}`;
    else if (p >= 100 && p <= 107) s.bg = `c${p - 100 + 8}`;
    else if (p === 38 || p === 48) {
      const { colour, used } = extendedColour(params, i);
      if (p === 38) s.fg = colour;
      else s.bg = colour;
      i += used;
    }
  }
  return s;
}

function openTag(style: Style): string {
  let fg = style.fg;
  let bg = style.bg;
  if (style.inverse) [fg, bg] = [bg ?? 'c-bg', fg ?? 'c-fg'];
  const classes: string[] = [];
  const css: string[] = [];
  if (fg !== null) {
    if (fg.startsWith('#')) css.push(`color:${fg}`);
    else classes.push(`a-f${fg.slice(1)}`);
  }
  if (bg !== null) {
    if (bg.startsWith('#')) css.push(`background-color:${bg}`);
    else classes.push(`a-b${bg.slice(1)}`);
  }
  if (style.bold) classes.push('a-bold');
  if (style.dim) classes.push('a-dim');
  if (style.italic) classes.push('a-italic');
  if (style.underline) classes.push('a-ul');
  if (classes.length === 0 && css.length === 0) return '';
  return `<span${classes.length ? ` class="${classes.join(' ')}"` : ''}${css.length ? ` style="${css.join(';')}"` : ''}>`;
}

/**
 * Resolves carriage returns line by line: `a\rb` keeps `b` (plus any SGR codes of the
 * overwritten parts, so colours stay right). A `\r\n` line ending is a plain newline.
 */
export function collapseCarriageReturns(text: string): string {
  if (!text.includes('\r')) return text;
  return text
    .split('\n')
    .map((line) => {
      const trimmed = line.endsWith('\r') ? line.replace(/\r+$/, '') : line;
      if (!trimmed.includes('\r')) return trimmed;
      const parts = trimmed.split('\r');
      let lastIndex = parts.length - 1;
      while (lastIndex > 0 && parts[lastIndex] === '') lastIndex--;
      const kept = parts[lastIndex] ?? '';
      const sgr = parts.slice(0, lastIndex).join('').match(/\x1b\[[0-9;:]*m/g) ?? [];
      return sgr.join('') + kept;
    })
    .join('\n');
}

// CSI: ESC [ params intermediates final; OSC: ESC ] … (BEL | ESC \); DCS/SOS/PM/APC alike;
// any other ESC plus one character. Unterminated sequences are dropped to the end.
const ESCAPE = /\x1b(?:\[([0-?]*)[ -/]*([@-~])?|[\]PX^_][^\x07\x1b]*(?:\x07|\x1b\\)?|[ -/]*[0-~]?)|\x9b[0-?]*[ -/]*[@-~]?/g;
// Control characters other than tab and newline (C0, DEL, C1).
const CONTROL = /[\x00-\x08\x0b-\x1f\x7f\x80-\x9f]/g;

/** Converts terminal output to HTML (escaped), with SGR colours as spans. */
export function ansiToHtml(text: string): string {
  const input = collapseCarriageReturns(text);
  let out = '';
  let style: Style = { ...PLAIN };
  let open = '';
  let last = 0;
  const emit = (chunk: string): void => {
    const clean = chunk.replace(CONTROL, '');
    if (clean === '') return;
    out += open === '' ? escapeHtml(clean) : `${open}${escapeHtml(clean)}</span>`;
  };
  ESCAPE.lastIndex = 0;
  for (let m = ESCAPE.exec(input); m !== null; m = ESCAPE.exec(input)) {
    emit(input.slice(last, m.index));
    last = m.index + m[0].length;
    if (m[0].startsWith('\x1b[') && m[2] === 'm') {
      style = applySgr(style, m[1] ?? '');
      open = openTag(style);
    }
    if (m[0] === '') ESCAPE.lastIndex++;
  }
  emit(input.slice(last));
  return out;
}

/** Removes every escape sequence and control character (for plain-text uses). */
export function stripAnsi(text: string): string {
  return collapseCarriageReturns(text).replace(ESCAPE, '').replace(CONTROL, '');
}
