// What a page fault and a 4 KB read from the page cache cost on this machine (bench/machine.c,
// compiled here with cc), and what `node -e 0` costs: the figures the other benchmarks' ratios
// are to be read against (docs/BENCHMARKS.md, "Speed and memory, fourth pass"). Counts of page
// faults of a command come from GNU time (`/usr/bin/time -f %R`).
// Run: npm run bench -- machine
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const dir = mkdtempSync(join(os.tmpdir(), 'dsari-bench-machine-'));
try {
  const bin = join(dir, 'machine');
  execFileSync('cc', ['-O2', '-o', bin, fileURLToPath(new URL('machine.c', import.meta.url))]);
  process.stdout.write(execFileSync(bin, [join(dir, 'scratch')], { encoding: 'utf8' }));
  const times = [];
  let faults = 0;
  for (let i = 0; i < 12; i++) {
    const t = performance.now();
    const r = spawnSync('/usr/bin/time', ['-f', '%R', process.execPath, '-e', '0'], { encoding: 'utf8' });
    if (i === 0) continue;
    times.push(performance.now() - t);
    faults = Number(r.stderr.trim().split('\n').pop());
  }
  times.sort((a, b) => a - b);
  console.log(`node -e 0: ${times[Math.floor(times.length / 2)].toFixed(0)} ms wall (median of 11), ${faults} page faults`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
