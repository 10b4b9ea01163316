import { connect, createServer, type Server, type Socket } from 'node:net';

/**
 * A TCP relay in front of a node, standing for the network between a client and the
 * cluster:
 * - `retarget(port)` sends new connections to another node while open ones stay where
 *   they are, so a node can be replaced without a moment in which nothing listens;
 * - `freeze()` stops forwarding on every connection open now, both ways, without closing
 *   anything: a dead path (a NAT that forgot the flow, a phone that left the network) as
 *   the client sees it — TCP stays up and nothing arrives. Later connections are relayed.
 */
export interface TcpRelay {
  port: number;
  retarget(port: number): void;
  freeze(): void;
  /** Resets the frozen connections (the path is gone for good), so the node they lead to can shut down without waiting for them. */
  cutFrozen(): void;
  close(): Promise<void>;
}

export async function startTcpRelay(targetPort: number): Promise<TcpRelay> {
  let target = targetPort;
  const pairs = new Set<{ client: Socket; upstream: Socket; frozen: boolean }>();
  const server: Server = createServer((client) => {
    const upstream = connect({ host: '127.0.0.1', port: target });
    const pair = { client, upstream, frozen: false };
    pairs.add(pair);
    client.on('data', (chunk) => pair.frozen || upstream.write(chunk));
    upstream.on('data', (chunk) => pair.frozen || client.write(chunk));
    const end = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    for (const socket of [client, upstream]) {
      socket.on('error', end);
      // A frozen path carries nothing, not even the end of the connection.
      socket.on('close', () => pair.frozen || end());
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as { port: number }).port,
    retarget(port) {
      target = port;
    },
    freeze() {
      for (const pair of pairs) pair.frozen = true;
    },
    cutFrozen() {
      for (const pair of pairs) {
        if (!pair.frozen) continue;
        pairs.delete(pair);
        pair.client.resetAndDestroy();
        pair.upstream.resetAndDestroy();
      }
    },
    async close() {
      for (const { client, upstream } of pairs) {
        client.destroy();
        upstream.destroy();
      }
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
