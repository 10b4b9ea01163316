import type { IncomingMessage } from 'node:http';

/**
 * The client's IP for per-IP limits. Behind a load balancer every connection comes
 * from the balancer, so X-Forwarded-For is believed, but only from trusted proxies
 * and only up to the first hop that is not one: a client cannot forge its way past.
 */
export function clientAddress(request: IncomingMessage, trustedProxies: ReadonlySet<string>): string {
  const peer = request.socket.remoteAddress ?? 'unknown';
  if (!trustedProxies.has(peer)) return peer;
  const forwarded = request.headers['x-forwarded-for'];
  const hops = (Array.isArray(forwarded) ? forwarded.join(',') : (forwarded ?? ''))
    .split(',')
    .map((hop) => hop.trim())
    .filter(Boolean);
  for (let i = hops.length - 1; i >= 0; i--) {
    if (!trustedProxies.has(hops[i]!)) return hops[i]!;
  }
  return hops[0] ?? peer;
}
