// npm's `install` step: builds the native process starter (native/spawn.c → build/Release/
// dsari_spawn.node), dsari-reaper (native/reaper.c → build/Release/dsari-reaper) and the systemd
// notify sender (native/notify.c → dsari_notify.node) with node-gyp, against the headers of the Node.js that runs this script. It
// never fails the install: without a compiler the daemon starts runs with Node's child_process
// instead (slower in bursts; docs/daemon.md, "How a run's process is started") and says so.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
// npm tells its lifecycle scripts where its own node-gyp is; else look beside this Node.js.
const prefix = dirname(dirname(process.execPath));
const gyp = [process.env.npm_config_node_gyp, join(prefix, 'lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js')].find((p) => p && existsSync(p));
const args = ['rebuild', '--loglevel=warn'];
// Build against the installed headers rather than let node-gyp download them (no network at install).
if (!process.env.npm_config_nodedir && existsSync(join(prefix, 'include/node/node_api.h'))) args.push(`--nodedir=${prefix}`);

function warn(reason) {
  console.warn(
    [
      '',
      '*** dsari: the native process starter, dsari-reaper and the systemd notify sender were NOT built: ' + reason,
      '*** Runs will be started with Node\'s child_process instead: everything works, bursts of',
      '*** many short runs are slower; the daemon cannot tell systemd it is ready (use',
      '*** Type=simple). They need python3, make, a C compiler and Node\'s headers;',
      '*** build it later with `npm run build:native`.',
      '',
    ].join('\n'),
  );
}

if (process.platform !== 'linux') {
  warn(`it is for Linux, this is ${process.platform}`);
} else if (!gyp) {
  warn('node-gyp was not found (it comes with npm)');
} else {
  const r = spawnSync(process.execPath, [gyp, ...args], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) warn(`node-gyp ${args.join(' ')} failed${r.error ? `: ${r.error.message}` : ` with status ${r.status}`}`);
}
