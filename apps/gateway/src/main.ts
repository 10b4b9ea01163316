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

const config = configOrExit();
const app = await createGatewayApp(config);
enableGracefulShutdown(app);
await app.listen(config.port, config.host);
console.log(`switchboard node ${config.nodeId} on http://${config.host}:${config.port} (ws path ${config.gateway.path}, transport ${config.transport.kind})`);
