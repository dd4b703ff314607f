/**
 * systemd's notify protocol (SPEC-BEYOND §16) against a real unix datagram socket: the built
 * daemon's messages in order, the watchdog's rate, no pings while the scheduler loop is blocked
 * or stopped, and bad NOTIFY_SOCKET / WATCHDOG_USEC values that never stop the daemon.
 */
import { spawn } from 'node:child_process';
import { cpSync, mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SystemClock } from '../../src/clock.js';
import { Daemon } from '../../src/daemon/daemon.js';
import { Logger, MemorySink } from '../../src/log.js';
import { openNotifySocket } from '../../src/ops/notify-socket.js';
import { SystemdNotifier, watchdogInterval } from '../../src/ops/systemd.js';
import { FakeExecutor } from '../daemon/fake-executor.js';
import { counterIds, everyN, job, makeConfig } from '../daemon/fixtures.js';
import { MemoryStore } from '../daemon/memory-store.js';
import { killLeftovers, makeTempDir, ManagedProcess, ROOT, waitFor } from '../helpers/index.js';
import { Site } from '../integration/daemon-helpers.js';
import { monotonicMs, NotifyListener } from './notify-listener.js';

let site: Site | null = null;
const listeners: NotifyListener[] = [];
const temps: Array<{ cleanup: () => void }> = [];
afterEach(async () => {
  expect(await killLeftovers()).toBe(0);
  for (const l of listeners.splice(0)) await l.stop();
  for (const t of temps.splice(0)) t.cleanup();
  site?.cleanup();
  site = null;
});

const CONFIG = `
jobs:
  sleeper:
    command: [/bin/sleep, '0.3']
`;

async function listen(address: string, mode: 'read' | 'ignore' = 'read'): Promise<NotifyListener> {
  const l = await NotifyListener.start(address, mode);
  listeners.push(l);
  return l;
}

function uniqueAbstract(): string {
  return `@dsari-test-${process.pid}-${Math.random().toString(36).slice(2)}`;
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
}

describe('systemd notify: the built daemon', () => {
  it('sends READY=1 once running, RELOADING=1 + MONOTONIC_USEC / READY=1 around SIGHUP, STATUS= counts, STOPPING=1, in order', async () => {
    site = new Site(CONFIG);
    const listener = await listen(join(site.root, 'notify.sock'));
    const d = site.start([], { NOTIFY_SOCKET: listener.address });
    await listener.waitFor('READY=1', (m) => m.msg.startsWith('READY=1'));
    expect(d.stderr).toContain('Scheduler running');
    expect(d.stderr).toMatch(/INFO: systemd: notifying .*notify\.sock\n/);

    site.trigger('sleeper', {});
    await listener.waitFor('a STATUS with the run running', (m) => m.msg === 'STATUS=Scheduler running: 1 running, 0 pending');
    await listener.waitFor('a STATUS after it ended', (m) => m.msg === 'STATUS=Scheduler running: 0 running, 0 pending');

    const beforeReload = monotonicMs();
    d.signal('SIGHUP');
    const reloading = await listener.waitFor('RELOADING=1', (m) => m.msg.startsWith('RELOADING=1'));
    await d.waitForOutput('Configuration reloaded');
    const usec = Number(/\nMONOTONIC_USEC=(\d+)\n/.exec(reloading.msg)?.[1]);
    // The daemon's CLOCK_MONOTONIC, taken after the signal was sent and before it was received.
    expect(usec / 1000).toBeGreaterThanOrEqual(beforeReload);
    expect(usec / 1000).toBeLessThanOrEqual(reloading.t);

    await d.stop('SIGTERM');
    expect(d.exitCode).toBe(0);
    await listener.waitFor('the last STATUS', (m) => m.msg === 'STATUS=Shutdown complete');
    // STATUS= updates come as the counts change (how many depends on timing); the rest exactly.
    const statusAt = (text: string) => listener.protocol.indexOf(`STATUS=Scheduler running: ${text}`);
    expect(statusAt('1 running, 0 pending')).toBeGreaterThan(0);
    expect(listener.protocol.lastIndexOf('STATUS=Scheduler running: 0 running, 0 pending')).toBeGreaterThan(statusAt('1 running, 0 pending'));
    expect(listener.protocol.filter((m) => !m.startsWith('STATUS=Scheduler running: '))).toEqual([
      'READY=1\nSTATUS=Scheduler running: 0 running, 0 pending',
      expect.stringMatching(/^RELOADING=1\nMONOTONIC_USEC=\d+\nSTATUS=Reloading the configuration$/),
      'READY=1\nSTATUS=Scheduler running: 0 running, 0 pending',
      'STOPPING=1\nSTATUS=Shutting down: 0 run(s) still running',
      'STATUS=Shutdown complete',
    ]);
    expect(listener.pings).toEqual([]);
  });

  it('speaks to an abstract socket (@name); a refused reload is READY=1 with the error as STATUS', async () => {
    site = new Site(CONFIG);
    const listener = await listen(uniqueAbstract());
    const d = site.start([], { NOTIFY_SOCKET: listener.address });
    await listener.waitFor('READY=1', (m) => m.msg.startsWith('READY=1'));
    site.writeConfig('jobs: [1, 2]\n');
    d.signal('SIGHUP');
    await listener.waitFor('READY=1 after the refused reload', (m) => m.msg.startsWith('READY=1\nSTATUS=Reload failed, still running the previous configuration: '));
    await d.stop('SIGTERM');
    expect(listener.protocol.map((m) => m.split('\n')[0])).toEqual(['READY=1', 'RELOADING=1', 'READY=1', 'STOPPING=1', 'STATUS=Shutdown complete']);
  });

  it('pings WATCHDOG=1 at half of WATCHDOG_USEC, only after READY=1', async () => {
    site = new Site(CONFIG);
    const listener = await listen(join(site.root, 'notify.sock'));
    const d = site.start([], { NOTIFY_SOCKET: listener.address, WATCHDOG_USEC: '300000' });
    await waitFor('16 pings', () => listener.pings.length >= 16, { timeoutMs: 30_000 });
    await d.stop('SIGTERM');
    expect(d.stderr).toContain('watchdog pings every 150ms');
    const first = listener.messages.findIndex((m) => m.msg === 'WATCHDOG=1');
    expect(listener.messages.findIndex((m) => m.msg.startsWith('READY=1'))).toBeLessThan(first);
    const pings = listener.pings;
    const gaps = pings.slice(1).map((t, i) => t - (pings[i] as number));
    // Receipt times: a busy machine delays some, so the middle gap is what is asked of the rate.
    expect(median(gaps)).toBeGreaterThanOrEqual(140);
    expect(median(gaps)).toBeLessThan(300);
  });
});

describe('systemd notify: the watchdog belongs to the scheduler loop', () => {
  it('sends no ping while the loop is blocked and none once the loop has stopped', async () => {
    const tmp = makeTempDir('dsari-watchdog-');
    temps.push(tmp);
    const listener = await listen(uniqueAbstract());
    const transport = openNotifySocket(listener.address);
    if ('problem' in transport) throw new Error(transport.problem);
    const clock = new SystemClock();
    const sink = new MemorySink();
    const log = new Logger({ sink });
    const notifier = new SystemdNotifier(transport, log, clock, 40);
    const daemon = new Daemon({
      config: makeConfig(tmp.path, [job('idle', { schedule: 'every:3600' })]),
      loadConfig: () => makeConfig(tmp.path, []),
      store: new MemoryStore(),
      executor: new FakeExecutor(clock),
      clock,
      log,
      nextFireTime: everyN,
      time: { localZone: () => 'UTC', isValidZone: () => true, parseDateTime: () => 0 },
      newRunId: counterIds(),
      triggers: { notify: false },
      heartbeat: notifier.heartbeat,
    });
    notifier.attach(daemon);
    // Nothing else keeps this test's loop alive between the daemon's unref'd timers.
    const keepAlive = setInterval(() => undefined, 1000);
    let stopped = false;
    try {
      await daemon.start();
      await waitFor('5 pings', () => listener.pings.length >= 5);

      const blockStart = monotonicMs();
      while (monotonicMs() - blockStart < 1200) {
        // The scheduler loop is stuck in a long computation.
      }
      const blockEnd = monotonicMs();
      const before = listener.pings.filter((t) => t <= blockEnd).length;
      await waitFor('pings after the block', () => listener.pings.length >= before + 5);
      // At most one ping sent just before the block can arrive during it; a free loop sends 30.
      expect(listener.pings.filter((t) => t > blockStart + 5 && t <= blockEnd).length).toBeLessThanOrEqual(1);
      const gaps = listener.pings.slice(1).map((t, i) => t - (listener.pings[i] as number));
      expect(Math.max(...gaps)).toBeGreaterThan(1000);

      await daemon.shutdown('SIGTERM');
      stopped = true;
      const stoppedAt = monotonicMs();
      // Twenty intervals of silence, measured on this side.
      await new Promise((r) => setTimeout(r, 800));
      expect(listener.pings.filter((t) => t > stoppedAt + 50)).toEqual([]);
      expect(listener.protocol.at(-2)).toBe('STOPPING=1\nSTATUS=Shutting down: 0 run(s) still running');
      expect(sink.lines.filter((l) => l.includes('systemd'))).toEqual([]);
    } finally {
      clearInterval(keepAlive);
      if (!stopped) await daemon.shutdown();
    }
  });

  it.each([
    [{ WATCHDOG_USEC: '10000000' }, 5000],
    [{ WATCHDOG_USEC: '1000' }, 10],
    [{ WATCHDOG_USEC: '2000000', WATCHDOG_PID: '42' }, null],
    [{ WATCHDOG_USEC: '2000000', WATCHDOG_PID: '7' }, 1000],
    [{}, null],
    [{ WATCHDOG_USEC: '0' }, { problem: 'WATCHDOG_USEC=0 means no watchdog; no watchdog pings are sent' }],
    [{ WATCHDOG_USEC: '5s' }, { problem: 'WATCHDOG_USEC=5s is not a whole number of microseconds; no watchdog pings are sent' }],
    [{ WATCHDOG_USEC: '-1' }, { problem: 'WATCHDOG_USEC=-1 is not a whole number of microseconds; no watchdog pings are sent' }],
  ])('watchdogInterval(%j) for pid 7 is %j', (env, expected) => {
    expect(watchdogInterval(env, 7)).toEqual(expected);
  });
});

describe('systemd notify: bad input never stops the daemon', () => {
  async function runsAJob(d: ManagedProcess): Promise<void> {
    await d.waitForOutput('Scheduler running', 30_000);
    site!.trigger('sleeper', {});
    await site!.waitRows(1);
    await d.stop('SIGTERM');
    expect(d.exitCode).toBe(0);
  }

  function count(text: string, re: RegExp): number {
    return text.split('\n').filter((l) => re.test(l)).length;
  }

  it('a socket that does not exist: one warning naming it and ENOENT, however many messages fail', async () => {
    site = new Site(CONFIG);
    const d = site.start([], { NOTIFY_SOCKET: join(site.root, 'missing.sock'), WATCHDOG_USEC: '40000' });
    await runsAJob(d);
    expect(count(d.stderr, /WARNING: systemd: cannot send to NOTIFY_SOCKET .*missing\.sock: no such socket .*\(ENOENT\); the daemon keeps running$/)).toBe(1);
    expect(count(d.stderr, /systemd/)).toBe(2);
  });

  it('an abstract socket nobody listens on: one warning, ECONNREFUSED', async () => {
    site = new Site(CONFIG);
    const d = site.start([], { NOTIFY_SOCKET: uniqueAbstract() });
    await runsAJob(d);
    expect(count(d.stderr, /WARNING: systemd: cannot send to NOTIFY_SOCKET @dsari-test-.*: nobody is listening on that socket \(ECONNREFUSED\); the daemon keeps running$/)).toBe(1);
  });

  it('a socket nobody reads: one warning once its queue is full (EAGAIN); the loop is never blocked', async () => {
    site = new Site(CONFIG);
    const listener = await listen(join(site.root, 'deaf.sock'), 'ignore');
    const d = site.start([], { NOTIFY_SOCKET: listener.address, WATCHDOG_USEC: '20000' });
    await d.waitForOutput(/WARNING: systemd: cannot send to NOTIFY_SOCKET .*deaf\.sock: the receiver is not reading .*\(EAGAIN\); the daemon keeps running\n/);
    await runsAJob(d);
    expect(count(d.stderr, /EAGAIN/)).toBe(1);
  });

  it.each([
    ['relative/notify.sock', /WARNING: systemd: NOTIFY_SOCKET=relative\/notify\.sock is neither an absolute path nor an abstract socket \(@name\); not notifying systemd/],
    ['vsock:2:1234', /WARNING: systemd: NOTIFY_SOCKET=vsock:2:1234: AF_VSOCK addresses are not supported, only unix sockets; not notifying systemd/],
  ])('NOTIFY_SOCKET=%s: one clear warning', async (value, message) => {
    site = new Site(CONFIG);
    const d = site.start([], { NOTIFY_SOCKET: value });
    await runsAJob(d);
    expect(d.stderr).toMatch(message);
    expect(count(d.stderr, /systemd/)).toBe(1);
  });

  it.each([
    ['0', 'WATCHDOG_USEC=0 means no watchdog'],
    ['garbage', 'WATCHDOG_USEC=garbage is not a whole number of microseconds'],
  ])('WATCHDOG_USEC=%s: a warning, READY=1 still sent, no pings', async (value, message) => {
    site = new Site(CONFIG);
    const listener = await listen(uniqueAbstract());
    const d = site.start([], { NOTIFY_SOCKET: listener.address, WATCHDOG_USEC: value });
    await listener.waitFor('READY=1', (m) => m.msg.startsWith('READY=1'));
    expect(d.stderr).toContain(`WARNING: systemd: ${message}; no watchdog pings are sent`);
    await runsAJob(d);
    expect(listener.pings).toEqual([]);
  });

  it('without the notify addon: one line saying so, and the daemon runs', async () => {
    // A copy of the built program with no build/ beside it: what an install without a compiler has.
    const tmp = makeTempDir('dsari-no-addon-');
    temps.push(tmp);
    cpSync(join(ROOT, 'dist'), join(tmp.path, 'dist'), { recursive: true });
    cpSync(join(ROOT, 'package.json'), join(tmp.path, 'package.json'));
    symlinkSync(join(ROOT, 'node_modules'), join(tmp.path, 'node_modules'));
    site = new Site(CONFIG);
    mkdirSync(site.data, { recursive: true });
    const child = spawn(process.execPath, [join(tmp.path, 'dist/cli/dsari-daemon.js'), '-c', site.etc], {
      env: { ...process.env, TZ: 'UTC', NOTIFY_SOCKET: uniqueAbstract() },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const d = new ManagedProcess(child);
    try {
      await runsAJob(d);
    } finally {
      await d.stop('SIGKILL');
    }
    expect(d.stderr).toMatch(/WARNING: systemd: NOTIFY_SOCKET is set but systemd cannot be notified: .*dsari_notify\.node was not built \(npm run build:native\); not notifying systemd \(a Type=notify unit will time out: use Type=simple\)\n/);
    expect(count(d.stderr, /systemd/)).toBe(1);
  });
});
