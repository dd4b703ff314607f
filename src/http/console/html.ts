/**
 * HTML by tagged template: every interpolated value is escaped unless it is already {@link Html}
 * made by this module, so text from runs, jobs and triggers cannot become markup.
 */
import { escapeHtml } from '../../report/ansi.js';

/** Markup that is already safe (made by {@link html} or {@link raw}). */
export class Html {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

function part(v: unknown): string {
  if (v === null || v === undefined || v === false) return '';
  if (v instanceof Html) return v.text;
  if (Array.isArray(v)) return v.map(part).join('');
  return escapeHtml(String(v));
}

export function html(strings: TemplateStringsArray, ...values: unknown[]): Html {
  let out = strings[0] ?? '';
  for (let i = 0; i < values.length; i++) out += part(values[i]) + (strings[i + 1] ?? '');
  return new Html(out);
}

/** Markup produced elsewhere and already escaped (ANSI conversion, SVG built from numbers). */
export function raw(markup: string): Html {
  return new Html(markup);
}

/** A path segment of a URL, encoded (then escaped where it is interpolated). */
export function seg(text: string): string {
  return encodeURIComponent(text);
}
