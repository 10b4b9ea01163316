import { Injectable } from '@nestjs/common';
import type { IncomingMessage } from 'node:http';
import { InjectConfig, type SwitchboardConfig } from '#libs/config';
import { InvalidToken, JwtVerifier } from './jwt-verifier.js';
import { OriginPolicy } from './origin-policy.js';
import { MethodPermissions } from './method-permissions.js';
import { ANONYMOUS, permissionsFromClaim, type Principal, presenceInfoFromClaim } from './principal.js';
import { extractToken } from './token-extractor.js';
import { UpgradeRejection } from './upgrade-rejection.js';

/**
 * Decides, before the WebSocket handshake completes, whether a request may become a
 * connection and as whom. Refusals are HTTP statuses, never a silent socket drop.
 */
@Injectable()
export class UpgradeAuthenticator {
  private readonly origins: OriginPolicy;
  private readonly verifier?: JwtVerifier;

  constructor(@InjectConfig() private readonly config: SwitchboardConfig) {
    this.origins = new OriginPolicy(config.auth.origins);
    this.verifier = config.auth.jwt && new JwtVerifier(config.auth.jwt);
  }

  get enabled(): boolean {
    return this.verifier !== undefined;
  }

  /** @throws UpgradeRejection */
  async authenticate(request: IncomingMessage): Promise<Principal> {
    this.origins.check(request);
    if (!this.verifier) return ANONYMOUS;
    const token = extractToken(request);
    const challenge = { 'WWW-Authenticate': 'Bearer' };
    if (!token) throw new UpgradeRejection(401, 'missing token: send Authorization: Bearer <jwt>, a bearer.<jwt> subprotocol, or ?access_token=<jwt>', challenge);
    try {
      const claims = await this.verifier.verify(token);
      const jwt = this.config.auth.jwt!;
      const info = presenceInfoFromClaim(claims.presence);
      return {
        userId: claims.sub,
        permissions: permissionsFromClaim(claims.sub, claims[jwt.channelsClaim]),
        methods: MethodPermissions.fromClaim(claims[jwt.rpcClaim]),
        ...(info ? { info } : {}),
      };
    } catch (error) {
      if (error instanceof InvalidToken) throw new UpgradeRejection(401, error.message, challenge);
      throw error;
    }
  }
}
