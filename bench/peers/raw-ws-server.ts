// The ceiling: one raw `ws` process, no bus, no limits, no validation beyond JSON.parse.
// A publish builds the delivery frame once as a Buffer and hands that same Buffer to every
// subscriber's ws.send. It speaks Switchboard's JSON protocol so the same clients drive it.
import { createServer } from 'node:http';
import { type RawData, WebSocket, WebSocketServer } from 'ws';
import { peerEnv, statsHandler } from './stats.js';

const { port, nodeId } = peerEnv();
const channels = new Map<string, Set<WebSocket>>();
const server = createServer();
const wss = new WebSocketServer({ server, perMessageDeflate: false, maxPayload: 65536 });
server.on('request', statsHandler(() => wss.clients.size, () => true));

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
      if (!set) channels.set(channel, (set = new Set()));
      set.add(ws);
      mine.add(channel);
      ws.send(JSON.stringify({ event: 'subscribed', data: { channel }, id: frame.id }));
    } else if (frame.event === 'publish') {
      const subscribers = channels.get(channel);
      if (!subscribers) return;
      const out = Buffer.from(JSON.stringify({ event: 'message', data: { channel, payload: frame.data?.payload, node: nodeId, ts: Date.now() } }));
      for (const s of subscribers) if (s.readyState === WebSocket.OPEN) s.send(out);
    }
  });
});

server.listen(port, '127.0.0.1');
process.on('SIGTERM', () => process.exit(0));
