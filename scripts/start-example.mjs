// `npm start`: run the daemon in the foreground on the bundled example configuration.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const daemon = `${root}dist/cli/dsari-daemon.js`;
if (!existsSync(daemon)) {
  process.stderr.write('dsari example: building first (npm run build)\n');
  const b = spawnSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' });
  if (b.status !== 0) process.exit(b.status ?? 1);
}
const dataDir = `${root}.tmp/example-var`; // examples/etc/dsari.yaml points data_dir here
mkdirSync(dataDir, { recursive: true });
process.stderr.write(
  `dsari example: config ${root}examples/etc, data ${dataDir}\n` +
    'dsari example: the first runs start within 10 seconds. In another terminal try:\n' +
    '  node dist/cli/dsari.js trigger -c examples/etc on-demand --env GREETING=hi\n' +
    '  node dist/cli/dsari-info.js -c examples/etc run list\n' +
    'dsari example: Ctrl-C stops the daemon (it waits for running runs).\n',
);
const child = spawn(process.execPath, [daemon, '-c', `${root}examples/etc`], { stdio: 'inherit' });
// Ctrl-C reaches the daemon directly (same process group); other signals sent to this script
// are passed on.
process.on('SIGINT', () => undefined);
for (const sig of ['SIGTERM', 'SIGHUP', 'SIGUSR1', 'SIGQUIT']) process.on(sig, () => child.kill(sig));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 128 : 1)));
