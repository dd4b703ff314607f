/**
 * Splitting a `command` string into argv the way the original did (Python's `shlex.split`, POSIX
 * mode): whitespace separates words; single quotes keep everything literally; inside double
 * quotes a backslash only escapes `"` and `\`; outside quotes a backslash escapes any character.
 * Nothing is expanded and no shell ever sees the string.
 */
import { DsariError } from '../errors.js';

/** Why a command string cannot be split; the caller adds file/job/key. */
export class CommandSplitError extends DsariError {
  constructor(message: string) {
    super('E_COMMAND', message);
  }
}

const WHITESPACE = new Set([' ', '\t', '\n', '\r', '\v', '\f']);

/**
 * Splits a command line into words.
 * @throws CommandSplitError on an unclosed quote or a trailing backslash
 */
export function splitCommand(line: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let i = 0;
  const n = line.length;
  while (i < n) {
    const ch = line[i] as string;
    if (WHITESPACE.has(ch)) {
      if (inWord) {
        words.push(word);
        word = '';
        inWord = false;
      }
      i++;
    } else if (ch === "'") {
      const end = line.indexOf("'", i + 1);
      if (end === -1) throw new CommandSplitError(`no closing quotation (' at character ${i + 1})`);
      word += line.slice(i + 1, end);
      inWord = true;
      i = end + 1;
    } else if (ch === '"') {
      const start = i;
      i++;
      for (;;) {
        if (i >= n) throw new CommandSplitError(`no closing quotation (" at character ${start + 1})`);
        const c = line[i] as string;
        if (c === '"') break;
        if (c === '\\' && i + 1 < n && (line[i + 1] === '"' || line[i + 1] === '\\')) {
          word += line[i + 1];
          i += 2;
        } else {
          word += c;
          i++;
        }
      }
      inWord = true;
      i++;
    } else if (ch === '\\') {
      if (i + 1 >= n) throw new CommandSplitError('no escaped character after the final backslash');
      word += line[i + 1];
      inWord = true;
      i += 2;
    } else {
      word += ch;
      inWord = true;
      i++;
    }
  }
  if (inWord) words.push(word);
  return words;
}

/** Quotes one word so that {@link splitCommand} gives it back unchanged (like `shlex.quote`). */
export function quoteWord(word: string): string {
  if (word === '') return "''";
  if (/^[\w@%+=:,./-]+$/.test(word)) return word;
  return `'${word.replace(/'/g, `'"'"'`)}'`;
}

/** Joins argv into one line that {@link splitCommand} splits back into the same words. */
export function joinCommand(argv: readonly string[]): string {
  return argv.map(quoteWord).join(' ');
}
