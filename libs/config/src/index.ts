export {
  type AuthConfig,
  type ChannelNamespace,
  CONFIG,
  type HistoryConfig,
  type JwtKeyConfig,
  type LimitsConfig,
  type NamespaceHistory,
  type OriginPolicyConfig,
  type SwitchboardConfig,
  type TransportConfig,
} from './config.js';
export { ConfigError } from './config-error.js';
export { ConfigModule, InjectConfig } from './config.module.js';
export { loadConfig } from './load-config.js';
