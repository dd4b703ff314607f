/**
 * `dsari manpages --out DIR` (hidden): writes the manual pages generated from this program's own
 * command definitions (ops/man.ts). `npm run build` runs it (scripts/build-man.mjs), so the pages
 * always describe the commands as built.
 */
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { UsageError } from '../errors.js';
import { describeCommand, standaloneCommands } from '../ops/cli-tree.js';
import { manPages } from '../ops/man.js';
import { VERSION } from '../version.js';

/** The hidden `manpages` command; it describes its parent (the `dsari` program). */
export function manpagesCommand(name = 'manpages'): Command {
  return new Command(name)
    .description('write the manual pages generated from the command definitions')
    .requiredOption('--out <dir>', 'directory to write NAME.1 files into (its old .1 files are removed)')
    .action((opts: { out: string }, cmd: Command) => {
      const parent = cmd.parent;
      if (parent === null) throw new UsageError('manpages describes the program it is a command of');
      const root = describeCommand(parent);
      const pages = manPages(root, { version: VERSION, standalone: standaloneCommands(root.name) });
      mkdirSync(opts.out, { recursive: true });
      for (const old of readdirSync(opts.out)) if (old.endsWith('.1') && !pages.has(old)) rmSync(join(opts.out, old));
      for (const [file, text] of pages) writeFileSync(join(opts.out, file), text);
      process.stdout.write(`${[...pages.keys()].map((f) => join(opts.out, f)).join('\n')}\n`);
    });
}
