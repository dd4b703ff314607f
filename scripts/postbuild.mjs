// Makes the bin scripts in dist/cli executable (tsc keeps the #! line but not the mode).
import { chmodSync, readdirSync } from 'node:fs';

for (const f of readdirSync(new URL('../dist/cli/', import.meta.url))) {
  if (f.startsWith('dsari') && f.endsWith('.js')) chmodSync(new URL(`../dist/cli/${f}`, import.meta.url), 0o755);
}
