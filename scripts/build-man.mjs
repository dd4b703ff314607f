// Part of `npm run build`: writes the manual pages (man/*.1) from the built program's own command
// definitions (`dsari manpages`, src/cli/manpages.ts), so they say what `--help` says.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const r = spawnSync(process.execPath, ['dist/cli/dsari.js', 'manpages', '--out', 'man'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
if (r.status !== 0) {
  console.error(`build-man: dsari manpages failed (${r.error?.message ?? `status ${r.status}`})`);
  process.exit(1);
}
