/**
 * The Prometheus text exposition format (version 0.0.4): families sorted by name, each with
 * `# HELP` and `# TYPE`, samples with their labels sorted by name, as the original prints them.
 */

export type MetricType = 'counter' | 'gauge' | 'summary' | 'untyped';

export interface Sample {
  /** Appended to the family's name: `_sum` and `_count` of summaries. */
  readonly suffix?: '' | '_sum' | '_count';
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
  /** Print as an integer (counts, exit codes); otherwise as a float, Python-style (`3.0`). */
  readonly integer?: boolean;
}

export interface MetricFamily {
  readonly name: string;
  readonly type: MetricType;
  readonly help: string;
  readonly samples: readonly Sample[];
}

/** Content-Type of the text format. */
export const EXPOSITION_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** A float as Python's repr prints it (`1.0`, `0.25`, `1e-07`), or NaN/+Inf/-Inf. */
export function formatFloat(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  if (Number.isInteger(value) && Math.abs(value) < 1e16) return `${value}.0`;
  return String(value).replace(/e([+-])(\d)$/, 'e$10$2');
}

function formatValue(sample: Sample): string {
  if (sample.integer && Number.isInteger(sample.value)) return String(sample.value);
  return formatFloat(sample.value);
}

/** Escapes a label value: backslash, double quote and newline. */
export function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function escapeHelp(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

function formatLabels(labels: Readonly<Record<string, string>>): string {
  const keys = Object.keys(labels).sort();
  if (keys.length === 0) return '';
  return `{${keys.map((k) => `${k}="${escapeLabelValue(labels[k] ?? '')}"`).join(',')}}`;
}

const SUFFIX_ORDER = { '': 0, _count: 1, _sum: 2 } as const;

/**
 * The families as exposition text. Families without samples are left out (as the original does);
 * in a summary, quantile samples come first, then `_count`, then `_sum`.
 */
export function formatExposition(families: readonly MetricFamily[]): string {
  let out = '';
  for (const family of [...families].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    if (family.samples.length === 0) continue;
    out += `# HELP ${family.name} ${escapeHelp(family.help)}\n# TYPE ${family.name} ${family.type}\n`;
    const samples = family.samples
      .map((s, i) => ({ s, i }))
      .sort((a, b) => SUFFIX_ORDER[a.s.suffix ?? ''] - SUFFIX_ORDER[b.s.suffix ?? ''] || a.i - b.i);
    for (const { s } of samples) out += `${family.name}${s.suffix ?? ''}${formatLabels(s.labels)} ${formatValue(s)}\n`;
  }
  return out;
}
