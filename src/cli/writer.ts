/**
 * The run store for commands that write to it besides the daemon (`dsari pause`, `resume`):
 * no outage journal (that is the daemon's), and the part II tables created if this database has
 * not been upgraded yet, under the same lock the daemon uses.
 */
import { createStore } from '../store/index.js';
import type { RunStore } from '../store/types.js';
import type { CliContext } from './context.js';

/** Opens the configured store for writing; the caller closes it. @throws StoreError */
export async function openWriter(ctx: CliContext): Promise<RunStore> {
  const store = createStore(ctx.config.database, { log: ctx.log, dataDir: ctx.config.dataDir, readOnly: true });
  const upgradable = store as RunStore & { upgradeSchema?: () => Promise<string[]> };
  if (upgradable.upgradeSchema !== undefined) await upgradable.upgradeSchema();
  else await store.open();
  return store;
}
