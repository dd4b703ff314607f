// Schedule engine throughput: next-time computations per second (each computed from the previous
// one, as the daemon does), for plain cron, hashed cron and RRULE, in UTC and a DST zone.
// Run: npm run bench -- schedule   (imports the built dist/)
import { Cron } from 'croner';
import { compileSchedule } from '../dist/schedule/index.js';

const CASES = [
  ['plain cron', '*/5 * * * *'],
  ['plain cron', '30 2 * * 1-5'],
  ['H-cron', 'H H * * *'],
  ['H-cron', '@hourly'],
  ['H-cron', 'H(0-29)/10 H(8-17) * * MON-FRI'],
  ['RRULE', 'RRULE:FREQ=DAILY'],
  ['RRULE', 'RRULE:FREQ=WEEKLY;BYDAY=MO,TH;BYHOUR=14;BYMINUTE=30'],
  ['RRULE', 'RRULE:FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1'],
];
const ZONES = ['UTC', 'Europe/Berlin'];
const RUNS = 5;
const MIN_MS = 300;
const START = Date.UTC(2020, 0, 1) / 1000;

function measure(schedule) {
  let t = START;
  let n = 0;
  const began = performance.now();
  let elapsed = 0;
  while (elapsed < MIN_MS) {
    for (let i = 0; i < 100; i++) {
      t = schedule.next(t);
      n++;
    }
    // Stay within a few years so that zone data stays as it would in a running daemon.
    if (t > START + 3 * 365 * 86_400) t = START;
    elapsed = performance.now() - began;
  }
  return (n / elapsed) * 1000;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const results = [];
console.log('kind        zone           expression                                             next()/s (median of 5)');
for (const zone of ZONES) {
  for (const [kind, expr] of CASES) {
    const schedule = compileSchedule(expr, { jobName: 'bench-job', timezone: zone });
    measure(schedule); // warm-up: JIT and zone cache
    const rates = [];
    for (let r = 0; r < RUNS; r++) rates.push(measure(schedule));
    const m = median(rates);
    results.push({ kind, zone, expr, rate: m });
    console.log(`${kind.padEnd(11)} ${zone.padEnd(14)} ${expr.padEnd(54)} ${Math.round(m).toLocaleString('en-US').padStart(12)}`);
  }
}
const byKind = (k) => median(results.filter((r) => r.kind === k).map((r) => r.rate));
const plain = byKind('plain cron');
console.log(`\nmedian by kind: plain cron ${Math.round(plain).toLocaleString('en-US')}/s, H-cron ${Math.round(byKind('H-cron')).toLocaleString('en-US')}/s (${(byKind('H-cron') / plain).toFixed(2)}× plain), RRULE ${Math.round(byKind('RRULE')).toLocaleString('en-US')}/s (${(byKind('RRULE') / plain).toFixed(2)}× plain)`);

// Reference: croner (seconds first, no hashing) on the same plain pattern, same stepping.
const croner = new Cron('0 */5 * * * *', { timezone: 'Europe/Berlin', paused: true });
const cronerSchedule = { next: (t) => croner.nextRun(new Date(t * 1000)).getTime() / 1000 };
measure(cronerSchedule);
const cronerRates = [];
for (let r = 0; r < RUNS; r++) cronerRates.push(measure(cronerSchedule));
const ours = results.find((r) => r.zone === 'Europe/Berlin' && r.expr === '*/5 * * * *').rate;
console.log(`croner 11 '0 */5 * * * *' Europe/Berlin: ${Math.round(median(cronerRates)).toLocaleString('en-US')}/s — ours ${(ours / median(cronerRates)).toFixed(0)}× faster`);
