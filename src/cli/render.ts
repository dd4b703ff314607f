import type { Command } from 'commander';
import { renderReports } from '../report/render.js';
import { newCommand, withGlobalOptions } from './common.js';
import { loadContext, openStore } from './context.js';

interface RenderOptions {
  regenerate?: boolean;
}

/** `dsari-render` / `dsari render` (SPEC §8). */
export function renderCommand(name = 'dsari-render'): Command {
  return withGlobalOptions(newCommand(name, 'write static HTML reports into DATA_DIR/html/'))
    .option('-r, --regenerate', 'regenerate every page, not only pages of new runs')
    .addHelpText(
      'after',
      `
Writes DATA_DIR/html/index.html, html/JOB/index.html and html/JOB/RUN_ID/index.html
(index.html.gz with report_html_gz). Only pages of runs not rendered before are written,
then the pages of their jobs and the index; -r rewrites everything.

Environment:
  DSARI_HOME   configuration in $DSARI_HOME/etc, data in $DSARI_HOME/var (unless -c)

Example:
  dsari-render -c /etc/dsari && ls /var/lib/dsari/html/`,
    )
    .action(async (opts: RenderOptions, cmd: Command) => {
      const ctx = loadContext(cmd);
      const started = performance.now();
      const store = await openStore(ctx);
      try {
        const result = await renderReports({
          config: ctx.config,
          store,
          regenerate: opts.regenerate === true,
          log: ctx.log,
        });
        const secs = ((performance.now() - started) / 1000).toFixed(2);
        if (result.written.length === 0) {
          ctx.log.info(`Nothing new to render (${secs} s)`);
        } else {
          ctx.log.info(
            `Wrote ${result.runPages} run page${result.runPages === 1 ? '' : 's'}, ${result.jobPages} job page${result.jobPages === 1 ? '' : 's'}` +
              `${result.indexWritten ? ' and the index' : ''} in ${secs} s`,
          );
        }
      } finally {
        await store.close();
      }
    });
}
