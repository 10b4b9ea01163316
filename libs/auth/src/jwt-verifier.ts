import { createPublicKey, type KeyObject } from 'node:crypto';
import { createRemoteJWKSet, errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import type { AuthConfig } from '#libs/config';

type JwtConfig = NonNullable<AuthConfig['jwt']>;
type Key = Uint8Array | KeyObject | JWTVerifyGetKey;

/** Thrown for any token that does not verify; the message is safe to show the client. */
export class InvalidToken extends Error {}

/** The one algorithm a public key can verify: never the token's own choice (no alg:none, no key confusion). */
function algorithmsFor(key: KeyObject): string[] {
  if (key.asymmetricKeyType === 'rsa') return ['RS256'];
  if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') return ['ES256'];
  throw new Error(`AUTH_JWT_PUBLIC_KEY: unsupported key type ${key.asymmetricKeyType} (use RSA for RS256 or EC P-256 for ES256)`);
}

/** Verifies upgrade tokens with `jose`: signature, pinned algorithm, exp, nbf, aud and iss. */
export class JwtVerifier {
  private readonly key: Key;
  private readonly algorithms: string[];

  constructor(private readonly config: JwtConfig) {
    switch (config.kind) {
      case 'secret':
        this.key = new TextEncoder().encode(config.secret);
        this.algorithms = ['HS256'];
        break;
      case 'public-key': {
        const key = createPublicKey(config.pem);
        this.key = key;
        this.algorithms = algorithmsFor(key);
        break;
      }
      case 'jwks':
        this.key = createRemoteJWKSet(new URL(config.url), { timeoutDuration: 2000, cooldownDuration: 30_000, cacheMaxAge: 10 * 60_000 });
        this.algorithms = ['RS256', 'ES256'];
        break;
    }
  }

  async verify(token: string): Promise<JWTPayload & { sub: string }> {
    try {
      const { payload } = await jwtVerify(token, this.key as Uint8Array, {
        algorithms: this.algorithms,
        audience: this.config.audience,
        issuer: this.config.issuer,
        requiredClaims: ['sub', 'exp'],
        clockTolerance: 5,
      });
      return payload as JWTPayload & { sub: string };
    } catch (error) {
      throw new InvalidToken(describe(error));
    }
  }
}

function describe(error: unknown): string {
  if (error instanceof errors.JWTExpired) return 'token expired';
  if (error instanceof errors.JWTClaimValidationFailed) return `token claim "${error.claim}" is invalid: ${error.reason}`;
  if (error instanceof errors.JOSEAlgNotAllowed) return 'token algorithm not allowed';
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'token signature is invalid';
  if (error instanceof errors.JWKSNoMatchingKey) return 'no key matches the token';
  if (error instanceof errors.JWKSTimeout) return 'could not fetch the signing keys in time';
  return 'token is malformed or invalid';
}
