// Where the sweep queue lives: a `redis://[user:password@]host:port[/db]` (or `rediss://` for TLS)
// address turned into connection options, and the same address with its password hidden, which is
// the only form that may be printed, logged or written to a record. Node-only (edge of lib/).

import { isIP } from 'node:net';

/** Connection options for ioredis / BullMQ (a subset of ioredis' RedisOptions). */
export interface RedisConnectionOptions {
  host: string;
  port: number;
  db: number;
  username?: string;
  password?: string;
  tls?: { servername?: string };
  /** null: a command waits for the connection however long Redis is away (BullMQ workers need it). */
  maxRetriesPerRequest: null;
  /** Reconnect forever, backing off to at most 2 s between tries. */
  retryStrategy: (times: number) => number;
}

export interface QueueAddress {
  options: RedisConnectionOptions;
  /** The address with any password replaced by '***': safe to print and record. */
  display: string;
}

/** The environment variable that may hold the password instead of the address (keeps it out of `ps`). */
export const PASSWORD_ENV = 'SCRATCHNET_REDIS_PASSWORD';

/** Replaces the password of anything that looks like an address with credentials (scheme://user:pw@) with '***'. */
export function redact(text: string): string {
  return text.replace(/([a-z][\w+.-]*:\/\/)(\S*)@/gi, (_m, scheme: string, cred: string) => {
    const colon = cred.indexOf(':');
    return `${scheme}${colon < 0 ? '***' : `${cred.slice(0, colon)}:***`}@`;
  });
}

/**
 * Parses a queue address. The password comes from the address or, when the address has none, from
 * $SCRATCHNET_REDIS_PASSWORD (env). Errors quote the address with its password hidden.
 */
export function parseQueueAddress(address: string, env: NodeJS.ProcessEnv = process.env): QueueAddress {
  const expected = 'expected redis://HOST:PORT[/DB] or rediss://… (TLS), with USER:PASSWORD@ before HOST where the server asks for one';
  let url: URL;
  try {
    url = new URL(address);
  } catch {
    // Not quoted: an address that does not parse may hold a password where redact() cannot see it.
    throw new Error(`--queue is not a URL (not shown, as it may hold a password); ${expected}`);
  }
  const bad = (why: string) => new Error(`--queue '${redact(address)}': ${why}; ${expected}`);
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') throw bad(`scheme '${url.protocol.replace(/:$/, '')}' is not redis or rediss`);
  if (!url.hostname) throw bad('no host');
  const port = url.port === '' ? 6379 : Number(url.port);
  const path = url.pathname.replace(/^\//, '');
  if (!/^\d*$/.test(path)) throw bad(`database '${path}' is not a number`);
  const db = path === '' ? 0 : Number(path);
  if (url.search || url.hash) throw bad('options after ? or # are not supported');
  const password = url.password ? decodeURIComponent(url.password) : env[PASSWORD_ENV] || undefined;
  const username = url.username ? decodeURIComponent(url.username) : undefined;
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1'); // [::1] → ::1
  const options: RedisConnectionOptions = {
    host, port, db,
    maxRetriesPerRequest: null,
    retryStrategy: (times) => Math.min(100 * times, 2000),
  };
  if (username) options.username = username;
  if (password) options.password = password;
  // TLS checks the server's certificate against the host name (SNI may not carry an IP address).
  if (url.protocol === 'rediss:') options.tls = isIP(host) ? {} : { servername: host };
  const cred = username || password ? `${username ?? ''}${password ? ':***' : ''}@` : '';
  return { options, display: `${url.protocol}//${cred}${url.host}${db ? `/${db}` : ''}` };
}
