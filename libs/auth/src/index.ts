export { AuthModule } from './auth.module.js';
export { ChannelPermissions, USER_CHANNEL_PREFIX } from './channel-permissions.js';
export { MethodPermissions } from './method-permissions.js';
export { anyPattern, patternMatcher } from './patterns.js';
export { ANONYMOUS, attachPrincipal, type Principal, principalOf } from './principal.js';
export { chooseSubprotocol, SUBPROTOCOL } from './token-extractor.js';
export { UpgradeAuthenticator } from './upgrade-authenticator.js';
export { UpgradeRejection } from './upgrade-rejection.js';
