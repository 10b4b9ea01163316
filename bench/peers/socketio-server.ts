// socket.io with @socket.io/redis-adapter, as its docs set it up: websocket transport,
// rooms as channels. `subscribe` joins the room (acknowledged), `publish` emits
// `message` to the room; the adapter carries it to the other nodes over Redis.
import { createServer } from 'node:http';
import { createAdapter } from '@socket.io/redis-adapter';
import { Redis } from 'ioredis';
import { Server } from 'socket.io';
import { peerEnv, statsHandler } from './stats.js';

const { port, nodeId, redisUrl } = peerEnv();
let ready = !redisUrl;
// The stats handler is the server's own request listener; socket.io takes /socket.io/ first.
const server = createServer((req, res) => statsHandler(() => io.engine.clientsCount, () => ready)(req, res));
const io = new Server(server, { transports: ['websocket'], serveClient: false, perMessageDeflate: false, maxHttpBufferSize: 65536 });

if (redisUrl) {
  const pub = new Redis(redisUrl);
  const sub = pub.duplicate();
  io.adapter(createAdapter(pub, sub));
  Promise.all([pub.ping(), sub.ping()]).then(() => (ready = true));
}

io.on('connection', (socket) => {
  socket.on('subscribe', (data: { channel?: unknown }, ack?: (reply: unknown) => void) => {
    if (typeof data?.channel !== 'string') return;
    void socket.join(data.channel);
    ack?.({ channel: data.channel });
  });
  socket.on('publish', (data: { channel?: unknown; payload?: unknown }) => {
    if (typeof data?.channel !== 'string') return;
    io.to(data.channel).emit('message', { channel: data.channel, payload: data.payload, node: nodeId, ts: Date.now() });
  });
});

server.listen(port, '127.0.0.1');
process.on('SIGTERM', () => process.exit(0));
