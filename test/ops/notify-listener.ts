/**
 * systemd's end of NOTIFY_SOCKET for tests: a real unix datagram socket, bound by a small Python
 * program (Node cannot open one), whose every datagram arrives here with its CLOCK_MONOTONIC
 * time of receipt.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { ROOT, waitFor } from '../helpers/index.js';

export interface Notification {
  /** CLOCK_MONOTONIC at receipt, ms (comparable with process.hrtime in this process). */
  readonly t: number;
  readonly msg: string;
}

export class NotifyListener {
  readonly messages: Notification[] = [];
  private buffer = '';
  private listening = false;
  private constructor(
    readonly address: string,
    private readonly child: ChildProcess,
  ) {
    child.stdout?.setEncoding('utf8').on('data', (d: string) => {
      this.buffer += d;
      let nl: number;
      while ((nl = this.buffer.indexOf('\n')) >= 0) {
        const line = this.buffer.slice(0, nl);
        this.buffer = this.buffer.slice(nl + 1);
        if (line === 'listening') this.listening = true;
        else this.messages.push(JSON.parse(line) as Notification);
      }
    });
  }

  /** Binds `address` (a path, or @name) and waits until it is bound. `ignore`: never read. */
  static async start(address: string, mode: 'read' | 'ignore' = 'read'): Promise<NotifyListener> {
    const child = spawn('python3', [join(ROOT, 'test/fixtures/programs/notify-listener.py'), address, mode], { stdio: ['ignore', 'pipe', 'inherit'] });
    const listener = new NotifyListener(address, child);
    await waitFor(`the notify listener on ${address}`, () => {
      if (child.exitCode !== null) throw new Error(`notify-listener.py exited with ${child.exitCode}`);
      return listener.listening;
    });
    return listener;
  }

  /** The messages so far, without the watchdog pings. */
  get protocol(): string[] {
    return this.messages.filter((m) => m.msg !== 'WATCHDOG=1').map((m) => m.msg);
  }

  /** Receipt times of the watchdog pings. */
  get pings(): number[] {
    return this.messages.filter((m) => m.msg === 'WATCHDOG=1').map((m) => m.t);
  }

  async waitFor(what: string, pred: (m: Notification) => boolean, timeoutMs = 20_000): Promise<Notification> {
    return waitFor(`${what} on ${this.address}`, () => this.messages.find(pred), { timeoutMs });
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((r) => this.child.once('exit', r));
    this.child.kill('SIGTERM');
    await exited;
  }
}

/** CLOCK_MONOTONIC now, in ms. */
export function monotonicMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}
