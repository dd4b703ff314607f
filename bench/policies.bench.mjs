// Run policies (SPEC-BEYOND §12) cost nothing in the hot path: scheduled time → start for 10
// every-second jobs with every policy configured against the same jobs with none (alternating,
// three rounds of 12 s each, medians of the p99s), and 10,000 jobs with policies: time to
// "Scheduler running" and RSS.
// Run: npm run bench -- policies
import { BenchSite, f, median, pct, sleep } from './lib/site.mjs';

const ROUNDS = 3;
const SECONDS = 12;
const plain = Array.from({ length: 10 }, (_, i) => `  tick${i}:\n    command: /bin/true\n    schedule: "* * * * * *"\n`).join('');
const withPolicies =
  Array.from({ length: 10 }, (_, i) =>
    `  tick${i}:\n    command: /bin/true\n    schedule: "* * * * * *"\n    catchup: latest\n    overlap: ${i % 2 ? 'skip' : 'replace'}\n` +
    `    retry: {attempts: 3, delay: 5, jitter: 0.1}\n    on_failure: [collect]\n`,
  ).join('') + '  collect:\n    command: /bin/true\n  fan-in:\n    command: /bin/true\n    after: [tick0, tick1]\n';

async function lagP99(yaml) {
  const site = new BenchSite('policies-lag', `jobs:\n${yaml}`);
  await site.start();
  await sleep(SECONDS * 1000);
  await site.stop();
  const lat = site.rows().filter((r) => r.trigger_type === 'schedule').map((r) => (r.start_time - r.schedule_time) * 1000);
  site.remove();
  return { p99: pct(lat, 0.99), median: pct(lat, 0.5), n: lat.length };
}

{
  const a = [];
  const b = [];
  for (let i = 0; i < ROUNDS; i++) {
    a.push(await lagP99(plain));
    b.push(await lagP99(withPolicies));
  }
  const pa = median(a.map((x) => x.p99));
  const pb = median(b.map((x) => x.p99));
  console.log(`scheduled time → start, 10 every-second jobs, ${ROUNDS} rounds of ${SECONDS} s: no policies p99 ${a.map((x) => f(x.p99, 2)).join(' / ')} ms (median ${f(pa, 2)}), all policies p99 ${b.map((x) => f(x.p99, 2)).join(' / ')} ms (median ${f(pb, 2)}); difference ${f(pb - pa, 2)} ms (target ≤ 1)`);
  console.log(`  medians of the medians: ${f(median(a.map((x) => x.median)), 2)} ms without, ${f(median(b.map((x) => x.median)), 2)} ms with`);
}

{
  const N = 10_000;
  const jobs = Array.from({ length: N }, (_, i) =>
    `  daily-${i}:\n    command: /bin/true\n    schedule: "@daily"\n    catchup: all\n    overlap: skip\n    retry: {attempts: 2}\n` +
    (i % 100 === 1 ? `    after: [daily-${i - 1}]\n` : '') + (i % 100 === 2 ? `    on_success: [daily-${i + 1}]\n` : ''),
  ).join('');
  const ready = [];
  let rss = 0;
  for (let i = 0; i < 3; i++) {
    const site = new BenchSite('policies-10k', `jobs:\n${jobs}`);
    ready.push(await site.start());
    rss = site.rss();
    await site.stop();
    site.remove();
  }
  console.log(`${N} daily jobs with catchup, overlap, retry and dependencies: ready ${ready.map((x) => f(x, 0)).join(' / ')} ms (median ${f(median(ready), 0)}, target < 2000), RSS ${f(rss, 0)} MB`);
}
