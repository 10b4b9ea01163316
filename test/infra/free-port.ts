import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/**
 * A free TCP port on 127.0.0.1 for a test server.
 *
 * Ports are taken BELOW the kernel's ephemeral range (ip_local_port_range, usually
 * 32768-60999): a port the kernel hands out for `listen(0)` is also one it may hand to
 * any outgoing connection (test clients open hundreds), and such a connection could
 * grab it between our check and the server binding it, or while a test has killed a
 * server it is about to restart on the same port. Below the range only another
 * explicit listener can take it. Each candidate is checked by listening on it and
 * closing (the check is a listen on 127.0.0.1, like the servers use). If no such port
 * is found, falls back to the kernel's choice (listen on port 0, read, close).
 */
export async function freePort(): Promise<number> {
  const [low, high] = safeRange();
  for (let attempt = 0; attempt < 50 && high > low; attempt++) {
    const candidate = low + Math.floor(Math.random() * (high - low + 1));
    if ((await tryListen(candidate)) !== undefined) return candidate;
  }
  const port = await tryListen(0);
  if (port === undefined) throw new Error('freePort: cannot listen on 127.0.0.1');
  return port;
}

/** `count` distinct free ports (e.g. Kafka's client and controller listeners). */
export async function freePorts(count: number): Promise<number[]> {
  const ports = new Set<number>();
  for (let attempts = 0; ports.size < count; attempts++) {
    if (attempts > count * 20) throw new Error(`freePorts: could not find ${count} distinct free ports`);
    ports.add(await freePort());
  }
  return [...ports];
}

function safeRange(): [number, number] {
  let ephemeralLow = 32768;
  try {
    const [low] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    if (low !== undefined && Number.isInteger(low) && low > 0) ephemeralLow = low;
  } catch {
    // not Linux: keep the default
  }
  // 20000 and up stays clear of well-known/registered ports most dev machines use.
  return [20_000, Math.min(ephemeralLow - 1, 65_535)];
}

/** Listens on 127.0.0.1:port and closes; resolves the bound port, or undefined if it was taken. */
function tryListen(port: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(undefined));
    server.listen({ host: '127.0.0.1', port, exclusive: true }, () => {
      const address = server.address();
      const bound = address !== null && typeof address !== 'string' ? address.port : undefined;
      server.close(() => resolve(bound));
    });
  });
}
