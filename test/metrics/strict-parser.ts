/**
 * A strict parser of the Prometheus text exposition format 0.0.4, written from the format's
 * specification for the tests (the npm parser used beside it is lenient and loses the labels of
 * summaries). It throws on anything the spec does not allow: bad names, bad escapes, a value that
 * is not a Go float, a TYPE after samples, a family split in two, a duplicate series, samples of
 * a summary other than NAME{…quantile}, NAME_sum, NAME_count.
 */

export interface StrictSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface StrictFamily {
  name: string;
  help: string | null;
  type: string;
  samples: StrictSample[];
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const FLOAT = /^[+-]?(?:(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|Inf|inf|NaN)$/;
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

function fail(lineNo: number, line: string, why: string): never {
  throw new Error(`exposition line ${lineNo}: ${why}: ${JSON.stringify(line)}`);
}

function parseValue(text: string, lineNo: number, line: string): number {
  if (!FLOAT.test(text)) fail(lineNo, line, `value "${text}" is not a float`);
  if (/^[+-]?[Ii]nf$/.test(text)) return text.startsWith('-') ? -Infinity : Infinity;
  return Number(text);
}

function parseLabels(text: string, lineNo: number, line: string): Record<string, string> {
  const labels: Record<string, string> = {};
  let i = 0;
  while (i < text.length) {
    const eq = text.indexOf('=', i);
    if (eq === -1) fail(lineNo, line, 'label without "="');
    const name = text.slice(i, eq).trim();
    if (!LABEL_NAME.test(name)) fail(lineNo, line, `bad label name "${name}"`);
    if (name in labels) fail(lineNo, line, `label "${name}" twice`);
    if (text[eq + 1] !== '"') fail(lineNo, line, 'label value not quoted');
    let j = eq + 2;
    let value = '';
    for (;;) {
      const c = text[j];
      if (c === undefined) fail(lineNo, line, 'unterminated label value');
      if (c === '"') break;
      if (c === '\n') fail(lineNo, line, 'newline in label value');
      if (c === '\\') {
        const n = text[j + 1];
        if (n === '\\') value += '\\';
        else if (n === '"') value += '"';
        else if (n === 'n') value += '\n';
        else fail(lineNo, line, `bad escape "\\${n ?? ''}" in label value`);
        j += 2;
        continue;
      }
      value += c;
      j++;
    }
    labels[name] = value;
    i = j + 1;
    if (i < text.length) {
      if (text[i] !== ',') fail(lineNo, line, 'labels not separated by ","');
      i++;
    }
  }
  return labels;
}

export function parseExpositionStrict(text: string): StrictFamily[] {
  if (text !== '' && !text.endsWith('\n')) throw new Error('exposition does not end with a newline');
  const families: StrictFamily[] = [];
  const byName = new Map<string, StrictFamily>();
  const seenSeries = new Set<string>();
  let current: StrictFamily | null = null;

  const familyFor = (name: string, lineNo: number, line: string): StrictFamily => {
    // A sample belongs to the current family if its name is the family name or a summary suffix.
    if (current !== null) {
      const base = current.name;
      if (name === base) return current;
      if ((current.type === 'summary' || current.type === 'histogram') && (name === `${base}_sum` || name === `${base}_count`)) return current;
    }
    const existing = byName.get(name);
    if (existing !== undefined) fail(lineNo, line, `family "${name}" is not contiguous`);
    const f: StrictFamily = { name, help: null, type: 'untyped', samples: [] };
    families.push(f);
    byName.set(name, f);
    current = f;
    return f;
  };

  const lines = text.split('\n');
  lines.pop();
  lines.forEach((line, idx) => {
    const lineNo = idx + 1;
    if (line.trim() === '') return;
    if (line.startsWith('#')) {
      const m = /^#\s+(HELP|TYPE)\s+(\S+)(?:\s(.*))?$/.exec(line);
      if (m === null) return; // a plain comment
      const [, kind, name = '', rest = ''] = m;
      if (!METRIC_NAME.test(name)) fail(lineNo, line, `bad metric name "${name}"`);
      let f = byName.get(name);
      if (f !== undefined && f !== current) fail(lineNo, line, `family "${name}" is not contiguous`);
      if (f === undefined) {
        f = { name, help: null, type: 'untyped', samples: [] };
        families.push(f);
        byName.set(name, f);
        current = f;
      }
      if (kind === 'HELP') {
        if (f.help !== null) fail(lineNo, line, 'second HELP');
        if (/\\[^\\n]/.test(rest.replace(/\\\\/g, ''))) fail(lineNo, line, 'bad escape in HELP');
        f.help = rest.replace(/\\n/g, '\n').replace(/\\\\/g, '\\');
      } else {
        if (!TYPES.has(rest)) fail(lineNo, line, `unknown type "${rest}"`);
        if (f.samples.length > 0) fail(lineNo, line, 'TYPE after samples');
        if (f.type !== 'untyped' && f.type !== rest) fail(lineNo, line, 'second TYPE');
        f.type = rest;
      }
      return;
    }
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?[ \t]+(\S+)(?:[ \t]+(-?\d+))?$/.exec(line);
    if (m === null) fail(lineNo, line, 'not a sample line');
    const [, name = '', labelText, valueText = ''] = m;
    const labels = labelText === undefined ? {} : parseLabels(labelText, lineNo, line);
    const value = parseValue(valueText, lineNo, line);
    const f = familyFor(name, lineNo, line);
    if (f.type === 'summary') {
      if (name === f.name) {
        if (!('quantile' in labels)) fail(lineNo, line, 'summary sample without quantile label');
        const q = Number(labels['quantile']);
        if (!FLOAT.test(labels['quantile'] ?? '') || !(q >= 0 && q <= 1)) fail(lineNo, line, 'quantile label is not a float in [0,1]');
      } else if ('quantile' in labels) fail(lineNo, line, '_sum/_count with a quantile label');
    }
    const key = `${name}{${Object.keys(labels).sort().map((k) => `${k}=${labels[k]}`).join(',')}}`;
    if (seenSeries.has(key)) fail(lineNo, line, 'duplicate series');
    seenSeries.add(key);
    f.samples.push({ name, labels, value });
  });
  return families;
}
