import type { IncomingMessage } from 'node:http';

/** The subprotocol a browser client offers next to `bearer.<token>`; the server answers with it. */
export const SUBPROTOCOL = 'switchboard';
const SUBPROTOCOL_TOKEN_PREFIX = 'bearer.';

/**
 * Where a client may put its token, since browsers cannot set headers on a WebSocket:
 * `Authorization: Bearer <jwt>`, a `Sec-WebSocket-Protocol` entry `bearer.<jwt>` (next to
 * `switchboard`), or the `access_token` query parameter.
 */
export function extractToken(request: IncomingMessage): string | undefined {
  const header = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '');
  if (header) return header[1];
  const protocols = request.headers['sec-websocket-protocol'];
  if (protocols) {
    const entry = protocols
      .split(',')
      .map((p) => p.trim())
      .find((p) => p.startsWith(SUBPROTOCOL_TOKEN_PREFIX));
    if (entry) return entry.slice(SUBPROTOCOL_TOKEN_PREFIX.length);
  }
  const query = new URL(request.url ?? '/', 'http://localhost').searchParams.get('access_token');
  return query ?? undefined;
}

/** Never echo the token entry back: pick `switchboard` when offered, else the first other entry. */
export function chooseSubprotocol(offered: Set<string>): string | false {
  if (offered.has(SUBPROTOCOL)) return SUBPROTOCOL;
  for (const protocol of offered) if (!protocol.startsWith(SUBPROTOCOL_TOKEN_PREFIX)) return protocol;
  return false;
}
