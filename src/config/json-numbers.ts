/**
 * Reading JSON that JSON.parse has already accepted, a second time, to learn which whole numbers
 * were written as floats (`2.0`, `1e3`): Python's json module reads those as floats, and the
 * original's behaviour depends on it (environment value "2.0"). Written for speed on large
 * configurations; it assumes valid JSON.
 */
import { markFloat, type RawMapping } from './values.js';

const NUMBER = /-?(?:0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?/y;

/** Parses valid JSON text into plain values, marking integral floats. */
export function parseJsonMarkingFloats(text: string): unknown {
  let i = 0;
  let floatSeen = false;

  const skip = (): void => {
    for (;;) {
      const c = text.charCodeAt(i);
      if (c === 32 || c === 9 || c === 10 || c === 13) i++;
      else return;
    }
  };

  const string = (): string => {
    const start = i;
    i++;
    let escaped = false;
    for (;;) {
      const c = text.charCodeAt(i);
      if (c === 34) break;
      if (c === 92) {
        escaped = true;
        i += 2;
      } else {
        i++;
      }
    }
    i++;
    return escaped ? (JSON.parse(text.slice(start, i)) as string) : text.slice(start + 1, i - 1);
  };

  const put = (container: RawMapping | unknown[], key: string | number, v: unknown): void => {
    if (key === '__proto__') {
      Object.defineProperty(container, key, { value: v, enumerable: true, writable: true, configurable: true });
    } else {
      (container as Record<string | number, unknown>)[key] = v;
    }
    if (floatSeen) markFloat(container, key);
  };

  const value = (): unknown => {
    skip();
    floatSeen = false;
    const c = text[i];
    if (c === '{') {
      i++;
      const out: RawMapping = {};
      skip();
      if (text[i] === '}') {
        i++;
        return out;
      }
      for (;;) {
        skip();
        const key = string();
        skip();
        i++; // ':'
        const v = value();
        put(out, key, v);
        skip();
        if (text[i++] === '}') break;
      }
      floatSeen = false;
      return out;
    }
    if (c === '[') {
      i++;
      const out: unknown[] = [];
      skip();
      if (text[i] === ']') {
        i++;
        return out;
      }
      for (;;) {
        const v = value();
        put(out, out.length, v);
        skip();
        if (text[i++] === ']') break;
      }
      floatSeen = false;
      return out;
    }
    if (c === '"') return string();
    if (c === 't') {
      i += 4;
      return true;
    }
    if (c === 'f') {
      i += 5;
      return false;
    }
    if (c === 'n') {
      i += 4;
      return null;
    }
    NUMBER.lastIndex = i;
    const m = NUMBER.exec(text);
    if (m === null) throw new SyntaxError(`unexpected character at ${i}`);
    i = NUMBER.lastIndex;
    const n = Number(m[0]);
    floatSeen = (m[1] !== undefined || m[2] !== undefined) && Number.isInteger(n);
    return n;
  };

  const result = value();
  return result;
}

/** True for any text holding a number with an exponent or a zero fraction (or lookalikes in strings). */
const MAYBE_INTEGRAL_FLOAT = /[:[,]\s*-?\d+(?:\.\d*)?[eE]|\d\.0+\s*[,\]}]/;

/**
 * `plain` (what JSON.parse made of `text`), or, when `text` may hold a whole number written as a
 * float, a second read of it with those marked. Most texts have none; a quick look spares them
 * the second read.
 */
export function withFloatMarks(text: string, plain: unknown): unknown {
  if (!MAYBE_INTEGRAL_FLOAT.test(text)) return plain;
  try {
    return parseJsonMarkingFloats(text);
  } catch (err) {
    if (!(err instanceof SyntaxError)) throw err;
    return plain;
  }
}
