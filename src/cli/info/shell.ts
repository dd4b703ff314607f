import type { REPLServer } from 'node:repl';
import type { Command } from 'commander';
import { replModule } from '../../lazy-packages.js';
import { VERSION } from '../../version.js';
import { newCommand } from '../common.js';
import { loadContext, openStore } from '../context.js';

/** `dsari-info shell`: a Node REPL with the loaded configuration and the opened run store. */
export function infoShellCommand(): Command {
  return newCommand('shell', 'interactive shell (Node REPL) with the configuration and database loaded')
    .addHelpText(
      'after',
      '\nVariables: config, jobs, concurrencyGroups, store (the opened RunStore; its methods return\npromises, use await). Example: (await store.listRuns({ jobNames: ["backup"], limit: 5 }))',
    )
    .action(async (_opts: unknown, self: Command) => {
      const ctx = loadContext(self);
      const store = await openStore(ctx);
      const vars: Record<string, unknown> = {
        config: ctx.config,
        jobs: ctx.config.jobs,
        concurrencyGroups: ctx.config.concurrencyGroups,
        store,
      };
      const describe = (v: unknown): string => {
        if (v instanceof Map) return `Map (${v.size} entries)`;
        if (v === store) return `RunStore (${store.kind})`;
        return 'Config';
      };
      let banner = `dsari ${VERSION} shell. Additional variables available:\n`;
      for (const [k, v] of Object.entries(vars)) banner += `    ${k}: ${describe(v)}\n`;
      process.stdout.write(`${banner}\n`);
      // node:repl is loaded only here: every other dsari-info command would pay ~10 ms for it.
      const { start } = replModule();
      const repl: REPLServer = start({ prompt: 'dsari> ', useGlobal: false, terminal: process.stdin.isTTY === true && process.stdout.isTTY === true });
      Object.assign(repl.context, vars);
      await new Promise<void>((resolve) => repl.on('exit', () => resolve()));
      await store.close();
    });
}
