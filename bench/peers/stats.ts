import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * `GET /bench/stats` on every peer: its memory as the process sees it, so the report can
 * give heap per connection for the peers as it does for Switchboard (from /metrics).
 * It doubles as the peers' readiness probe.
 */
export function statsHandler(connections: () => number, ready: () => boolean) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    if (req.url !== '/bench/stats') {
      res.writeHead(404).end();
      return;
    }
    const memory = process.memoryUsage();
    res.writeHead(ready() ? 200 : 503, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ heapUsed: memory.heapUsed, rss: memory.rss, connections: connections() }));
  };
}

/** Port and node id from the environment the bench sets. */
export function peerEnv(): { port: number; nodeId: string; redisUrl: string | undefined } {
  return { port: Number(process.env.PORT ?? 0), nodeId: process.env.NODE_ID ?? 'peer', redisUrl: process.env.REDIS_URL || undefined };
}
