import { exportJWK, exportSPKI, generateKeyPair, type JWTPayload, SignJWT } from 'jose';
import { createHmac } from 'node:crypto';

export const SECRET = 'test-secret-that-is-at-least-32-characters-long';

/** An HS256 token for SECRET, valid for a minute unless the claims say otherwise. */
export async function hsToken(claims: JWTPayload & { sub?: string } = {}, secret = SECRET): Promise<string> {
  return new SignJWT({ ...claims })
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuedAt()
    .setExpirationTime(claims.exp ?? '1m')
    .sign(new TextEncoder().encode(secret));
}

const b64 = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

/** `alg: none`: an unsigned token that must never pass. */
export function unsignedToken(claims: JWTPayload): string {
  return `${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims)}.`;
}

/** HS256 signed with an arbitrary key string, e.g. a public key's PEM (key confusion). */
export function hmacToken(claims: JWTPayload, key: string): string {
  const head = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64(claims)}`;
  return `${head}.${createHmac('sha256', key).update(head).digest('base64url')}`;
}

export async function rsaKeys() {
  const { publicKey, privateKey } = await generateKeyPair('RS256', { extractable: true });
  const pem = await exportSPKI(publicKey);
  const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
  const sign = (claims: JWTPayload) =>
    new SignJWT({ ...claims }).setProtectedHeader({ alg: 'RS256', kid: 'k1' }).setIssuedAt().setExpirationTime('1m').sign(privateKey);
  return { pem, jwk, sign };
}

export const nowSeconds = () => Math.floor(Date.now() / 1000);
