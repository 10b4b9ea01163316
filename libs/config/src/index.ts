export { type AuthConfig, CONFIG, type JwtKeyConfig, type LimitsConfig, type OriginPolicyConfig, type SwitchboardConfig, type TransportConfig } from './config.js';
export { ConfigModule, InjectConfig } from './config.module.js';
export { ConfigError, loadConfig } from './load-config.js';
