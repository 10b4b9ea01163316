// The hand-rolled `ws` + Redis bridge of the reference articles (shared/reference/003_*):
// a node PUBLISHes what a client sends to Redis, SUBSCRIBEs to the channels its clients
// follow, and forwards what Redis hands it to its local sockets as it comes (a string,
// sent with ws.send per socket). Speaks Switchboard's JSON protocol; no limits.
import { createServer } from 'node:http';
import { Redis } from 'ioredis';
import { type RawData, WebSocket, WebSocketServer } from 'ws';
import { peerEnv, statsHandler } from './stats.js';

const { port, nodeId, redisUrl } = peerEnv();
if (!redisUrl) throw new Error('bridge-server needs REDIS_URL');
const publisher = new Redis(redisUrl);
const subscriber = new Redis(redisUrl);
const channels = new Map<string, Set<WebSocket>>();
let ready = false;
Promise.all([publisher.ping(), subscriber.ping()]).then(() => (ready = true));

subscriber.on('message', (channel: string, message: string) => {
  const sockets = channels.get(channel);
  if (!sockets) return;
  for (const ws of sockets) if (ws.readyState === WebSocket.OPEN) ws.send(message);
});

const server = createServer();
const wss = new WebSocketServer({ server, perMessageDeflate: false, maxPayload: 65536 });
server.on('request', statsHandler(() => wss.clients.size, () => ready));

wss.on('connection', (ws) => {
  const mine = new Set<string>();
  ws.on('error', () => undefined);
  ws.on('close', () => {
    for (const channel of mine) channels.get(channel)?.delete(ws);
  });
  ws.on('message', (data: RawData) => {
    let frame: { event?: string; data?: { channel?: string; payload?: unknown }; id?: unknown };
    try {
      frame = JSON.parse(data.toString());
    } catch {
      return;
    }
    const channel = frame.data?.channel;
    if (typeof channel !== 'string') return;
    if (frame.event === 'subscribe') {
      let set = channels.get(channel);
      const first = !set;
      if (!set) channels.set(channel, (set = new Set()));
      set.add(ws);
      mine.add(channel);
      const ack = (): void => ws.send(JSON.stringify({ event: 'subscribed', data: { channel }, id: frame.id }));
      if (first) void subscriber.subscribe(channel).then(ack);
      else ack();
    } else if (frame.event === 'publish') {
      void publisher.publish(channel, JSON.stringify({ event: 'message', data: { channel, payload: frame.data?.payload, node: nodeId, ts: Date.now() } }));
    }
  });
});

server.listen(port, '127.0.0.1');
process.on('SIGTERM', () => {
  publisher.disconnect();
  subscriber.disconnect();
  process.exit(0);
});
