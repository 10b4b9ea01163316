import { ConfigError, loadConfig, type SwitchboardConfig } from '#libs/config';
import { enableGracefulShutdown } from '#libs/gateway';
import { createGatewayApp } from './bootstrap.js';

function configOrExit(): SwitchboardConfig {
  try {
    return loadConfig(process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(`switchboard: ${error.message}`);
    process.exit(1);
  }
}

/**
 * Pending-connection queue for the listening socket. Node's default (511) overflows in a
 * reconnect storm (every client of a drained or failed node at once), and an overflowing
 * queue costs each client a 1 s SYN retransmit. The kernel caps it at net.core.somaxconn.
 */
const LISTEN_BACKLOG = 4096;

const config = configOrExit();
const app = await createGatewayApp(config);
enableGracefulShutdown(app);
// Nest hands extra listen() arguments on to http.Server#listen(port, host, backlog); its
// typings only admit a callback there.
const listen = app.listen.bind(app) as unknown as (port: number, host: string, backlog: number) => Promise<unknown>;
await listen(config.port, config.host, LISTEN_BACKLOG);
console.log(`switchboard node ${config.nodeId} on http://${config.host}:${config.port} (ws path ${config.gateway.path}, transport ${config.transport.kind})`);
