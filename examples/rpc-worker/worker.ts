// An example worker behind a Switchboard gateway: answers `orders.create` and
// `orders.get`, and tells the ordering user on `user:<id>` when an order ships.
//
//   RPC_BACKEND=amqp RPC_AMQP_URL=amqp://guest:guest@127.0.0.1:5672 node examples/rpc-worker/worker.ts
//   RPC_BACKEND=kafka RPC_KAFKA_BROKERS=127.0.0.1:9092 node examples/rpc-worker/worker.ts
//   RPC_BACKEND=http RPC_WORKER_PORT=8081 node examples/rpc-worker/worker.ts     (gateway: RPC_HTTP_URL=http://127.0.0.1:8081/rpc)
//
// Run several: each request goes to one of them. GATEWAY_URL (default http://127.0.0.1:3000)
// is where it publishes; API_KEY if the gateway has one. A real application imports
// '@switchboard/worker' instead of the relative path.
import { backendFromEnv, publish, RpcError, startWorker, userChannel } from '../../packages/worker/src/index.ts';

interface Order {
  id: number;
  item: string;
  quantity: number;
  user?: string;
}

const orders = new Map<number, Order>();
let nextId = 1;
const gateway = process.env.GATEWAY_URL ?? 'http://127.0.0.1:3000';

const worker = await startWorker({
  ...backendFromEnv(),
  handlers: {
    'orders.create': (payload: { item?: unknown; quantity?: unknown }, { request }) => {
      if (typeof payload?.item !== 'string' || !Number.isInteger(payload.quantity) || (payload.quantity as number) < 1) {
        throw new RpcError('INVALID_ORDER', 'an order is {"item": string, "quantity": integer >= 1}');
      }
      if ((payload.quantity as number) > 10) throw new RpcError('OUT_OF_STOCK', `only 10 ${payload.item} left`, { available: 10 });
      const order: Order = { id: nextId++, item: payload.item, quantity: payload.quantity as number, user: request.userId };
      orders.set(order.id, order);
      // Later, out of band: push to the user (every node of the cluster delivers it).
      if (order.user) {
        const user = order.user;
        setTimeout(() => void publish(gateway, userChannel(user), { shipped: order.id }, { apiKey: process.env.API_KEY }).catch(() => undefined), 1000);
      }
      return order;
    },
    'orders.get': (payload: { id?: unknown }) => {
      const order = orders.get(Number(payload?.id));
      if (!order) throw new RpcError('NOT_FOUND', `no order ${String(payload?.id)}`);
      return order;
    },
  },
  onEvent: (event) => console.log(`event ${event.event} ${event.connectionId}${event.channel ? ` ${event.channel}` : ''}`),
});
console.log(`worker ${worker.id} consuming on ${worker.backend}${worker.port ? ` (port ${worker.port})` : ''}`);

const stop = async () => {
  await worker.stop();
  process.exit(0);
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
