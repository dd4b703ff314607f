// `npm start`: run the daemon in the foreground on the bundled example configuration.
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const dataDir = `${root}.tmp/example-var`; // examples/etc/dsari.yaml points data_dir here
mkdirSync(dataDir, { recursive: true });
process.stderr.write(`dsari example: config ${root}examples/etc, data ${dataDir}\n`);
const child = spawn(process.execPath, [`${root}dist/cli/dsari-daemon.js`, '-c', `${root}examples/etc`], {
  stdio: 'inherit',

});
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGUSR1', 'SIGQUIT']) process.on(sig, () => child.kill(sig));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 128 : 1)));
