// The child process of workloads/msgpack-libs.ts: measures in a process of its own.
import { serveIpc } from '../lib/ipc-child.js';
import { measureMsgpackLibs, type MsgpackLibsOptions } from './msgpack-libs.js';

serveIpc(async (request) => {
  if (request.type === 'measure') return measureMsgpackLibs(request.options as MsgpackLibsOptions);
  throw new Error(`unknown request ${request.type}`);
});
