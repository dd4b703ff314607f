// How long the native start of a run (build/Release/dsari_spawn.node `spawn`, posix_spawn of the
// run's /bin/sh wrapper) holds the calling thread, and a whole run's time, sequentially, 200 each:
// in a small quiet process, with a large heap, and while the thread pool does file work (which is
// what a daemon in a burst looks like). docs/BENCHMARKS.md, "The other targets on this VM".
// Run: npm run bench -- spawn-call
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import { join } from 'node:path';

const native = createRequire(import.meta.url)(new URL('../build/Release/dsari_spawn.node', import.meta.url).pathname);
const N = 200;

async function measure(label, argv, { heap = 0, busy = false } = {}) {
  const big = [];
  for (let i = 0; i < heap; i++) big.push({ i, s: `x${i}` });
  const scratch = join(os.tmpdir(), `dsari-bench-spawn-call-${process.pid}`);
  let stop = false;
  const work = busy
    ? (async () => {
        for (let k = 0; !stop; k++) {
          await mkdir(join(scratch, String(k)), { recursive: true });
          await writeFile(join(scratch, `${k}.txt`), 'x'.repeat(1000));
        }
      })()
    : Promise.resolve();
  let held = 0;
  let done = 0;
  const t0 = performance.now();
  await new Promise((resolve) => {
    const one = () => {
      const t = performance.now();
      native.spawn(argv[0], argv, ['PATH=/usr/bin:/bin'], os.tmpdir(), [], () => (++done === N ? resolve() : setImmediate(one)));
      held += performance.now() - t;
    };
    one();
  });
  const whole = (performance.now() - t0) / N;
  stop = true;
  await work;
  await rm(scratch, { recursive: true, force: true });
  console.log(`${label.padEnd(58)} spawn call ${(held / N).toFixed(2)} ms, whole run ${whole.toFixed(2)} ms (RSS ${(process.memoryUsage().rss / 1e6).toFixed(0)} MB)`);
  big.length = 0;
}

const WRAPPED = ['/bin/sh', '-c', '( shift; exec "$@" ); s=$?; exit "$s"', 'dsari-run', 'status', '/bin/true'];
console.log(`load average ${os.loadavg().map((x) => x.toFixed(1)).join(' ')} on ${os.cpus().length} cores; ${N} runs each, sequential`);
await measure('/bin/true, quiet process', ['/bin/true']);
await measure('/bin/true through a /bin/sh wrapper, quiet process', WRAPPED);
await measure('wrapped, 2,000,000 objects in the heap', WRAPPED, { heap: 2_000_000 });
await measure('wrapped, thread pool making directories and files', WRAPPED, { busy: true });
