import { Global, Module } from '@nestjs/common';
import { UpgradeAuthenticator } from './upgrade-authenticator.js';

/** Origin checks and JWT authentication for WebSocket upgrades. */
@Global()
@Module({
  providers: [UpgradeAuthenticator],
  exports: [UpgradeAuthenticator],
})
export class AuthModule {}
