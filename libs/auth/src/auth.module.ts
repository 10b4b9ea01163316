import { Module } from '@nestjs/common';
import { UpgradeAuthenticator } from './upgrade-authenticator.js';

/** Origin checks and JWT authentication for WebSocket upgrades. */
@Module({
  providers: [UpgradeAuthenticator],
  exports: [UpgradeAuthenticator],
})
export class AuthModule {}
