// A worker process for the RPC tests, on @switchboard/worker (the package's sources, run
// by Node's type stripping). The backend comes from the environment (backendFromEnv);
// WORKER_ID names it; RPC_TEST_LOG gets one line per request received (`recv <id> <0|1>`,
// 1: redelivered), reply sent (`done <id>`) and event (`event <name> <connectionId> [channel]`).
// Methods: test.echo (answers who asked and who answered), test.slow ({ms}), test.fail.
import { appendFileSync } from 'node:fs';
import { backendFromEnv, RpcError, startWorker } from '../../../packages/worker/src/index.ts';

const log = process.env.RPC_TEST_LOG;
const note = (line: string) => {
  if (log) appendFileSync(log, `${line}\n`);
};
const workerId = process.env.WORKER_ID ?? `worker-${process.pid}`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const answer = (payload: unknown, request: { connectionId: string; userId?: string; node: string }) => ({
  echo: payload,
  worker: workerId,
  connectionId: request.connectionId,
  userId: request.userId ?? null,
  node: request.node,
});

const worker = await startWorker({
  ...backendFromEnv(),
  workerId,
  handlers: {
    'test.echo': (payload, { request }) => answer(payload, request),
    'test.slow': async (payload: { ms?: number }, { request }) => {
      await sleep(Number(payload?.ms ?? 50));
      return answer(payload, request);
    },
    'test.fail': (payload) => {
      throw new RpcError('TEST_FAILURE', 'asked to fail', { got: payload });
    },
  },
  onEvent: (event) => note(`event ${event.event} ${event.connectionId}${event.channel ? ` ${event.channel}` : ''}`),
  onRequest: (request, redelivered) => note(`recv ${request.id} ${redelivered ? 1 : 0}`),
  onReply: (reply) => note(`done ${reply.id}`),
});
console.log(`ready ${worker.id} ${worker.backend}${worker.port ? ` ${worker.port}` : ''}`);
process.once('SIGTERM', () => void worker.stop().then(() => process.exit(0)));
