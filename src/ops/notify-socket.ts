/**
 * The sending end of systemd's notification socket (sd_notify(3)): one datagram per message to
 * the AF_UNIX SOCK_DGRAM socket named by NOTIFY_SOCKET. Node has no unix datagram sockets, so
 * the send is done by a small addon (native/notify.c, built by `npm install` beside the process
 * starter into build/Release/dsari_notify.node). Without the addon there is no transport, and
 * {@link openNotifySocket} says why.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { DsariError } from '../errors.js';

/** The addon's one function (native/notify.c has the contract). */
interface NotifyAddon {
  /** Sends `message` to `address` (absolute path or `@abstract`). Throws with `code` on failure. */
  send(address: string, message: string): void;
}

/** Where `npm install` leaves the addon (the same relative path from src/ and from dist/). */
export const NOTIFY_ADDON = fileURLToPath(new URL('../../build/Release/dsari_notify.node', import.meta.url));

/** Sends one notification; throws {@link NotifySendError} when the datagram cannot be sent. */
export interface NotifyTransport {
  readonly address: string;
  send(message: string): void;
}

/** A datagram that could not be sent; `errno` is the system's name for why (ENOENT, EAGAIN, …). */
export class NotifySendError extends DsariError {
  readonly errno: string;
  constructor(address: string, errno: string, detail: string, options: { cause?: unknown } = {}) {
    super('E_NOTIFY', `cannot send to NOTIFY_SOCKET ${address}: ${detail}`, options);
    this.errno = errno;
  }
}

/** What each failure means for someone reading the log, by errno. */
const EXPLAIN: Readonly<Record<string, string>> = {
  ENOENT: 'no such socket (is systemd running this service, and is the path right?)',
  ECONNREFUSED: 'nobody is listening on that socket',
  EAGAIN: 'the receiver is not reading (its queue is full); messages are dropped until it reads again',
  EACCES: 'permission denied on the socket',
  ENOTSOCK: 'that path is not a socket',
  EPROTOTYPE: 'that socket is not a datagram socket',
};

let addon: { send: NotifyAddon['send'] } | string | undefined;

function loadAddon(): NotifyAddon | string {
  if (process.platform !== 'linux') return `the notify addon is for Linux, this is ${process.platform}`;
  if (!existsSync(NOTIFY_ADDON)) return `${NOTIFY_ADDON} was not built (npm run build:native)`;
  try {
    return createRequire(import.meta.url)(NOTIFY_ADDON) as NotifyAddon;
  } catch (err) {
    return `${NOTIFY_ADDON} cannot be loaded: ${(err as Error).message}`;
  }
}

/**
 * Checks a NOTIFY_SOCKET value: an absolute path or `@name`, short enough for a socket address.
 * Returns the problem, or null when it can be used.
 */
export function notifyAddressProblem(address: string): string | null {
  if (address.startsWith('vsock:')) return `NOTIFY_SOCKET=${address}: AF_VSOCK addresses are not supported, only unix sockets`;
  if (!address.startsWith('/') && !address.startsWith('@')) return `NOTIFY_SOCKET=${address} is neither an absolute path nor an abstract socket (@name)`;
  if (address.length < 2) return `NOTIFY_SOCKET=${address} names no socket`;
  if (Buffer.byteLength(address) > 107) return `NOTIFY_SOCKET is longer than a unix socket address can be (107 bytes)`;
  if (address.includes('\0')) return 'NOTIFY_SOCKET contains a NUL byte';
  return null;
}

/**
 * A transport to `address`, or the reason there is none (the addon is missing, the address is
 * malformed). Nothing is sent here: a missing socket shows at the first message.
 */
export function openNotifySocket(address: string): NotifyTransport | { problem: string } {
  const problem = notifyAddressProblem(address);
  if (problem !== null) return { problem };
  addon ??= loadAddon();
  if (typeof addon === 'string') return { problem: `NOTIFY_SOCKET is set but systemd cannot be notified: ${addon}` };
  const send = addon.send;
  return {
    address,
    send(message: string): void {
      try {
        send(address, message);
      } catch (err) {
        const code = String((err as NodeJS.ErrnoException).code ?? 'EUNKNOWN');
        throw new NotifySendError(address, code, `${EXPLAIN[code] ?? (err as Error).message} (${code})`, { cause: err });
      }
    },
  };
}

/** Whether the addon can be loaded, and why not (for `dsari doctor`). */
export function notifyAddonProblem(): string | null {
  addon ??= loadAddon();
  return typeof addon === 'string' ? addon : null;
}
