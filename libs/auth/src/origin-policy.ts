import type { IncomingMessage } from 'node:http';
import type { OriginPolicyConfig } from '#libs/config';
import { UpgradeRejection } from './upgrade-rejection.js';

/**
 * Browsers always send Origin on a WebSocket upgrade; other clients usually do not.
 * A request with an Origin must match the policy exactly (no suffix or look-alike
 * matching, `null` never passes); one without is left to authentication to decide.
 */
export class OriginPolicy {
  private readonly allowed: Set<string>;

  constructor(private readonly config: OriginPolicyConfig) {
    this.allowed = new Set(config.kind === 'list' ? config.origins.map((origin) => origin.toLowerCase()) : []);
  }

  check(request: IncomingMessage): void {
    const origin = request.headers.origin;
    if (origin === undefined || this.config.kind === 'any') return;
    const normalized = origin.toLowerCase();
    if (this.config.kind === 'list' ? this.allowed.has(normalized) : this.isSameOrigin(normalized, request)) return;
    throw new UpgradeRejection(403, `origin ${JSON.stringify(origin.slice(0, 200))} is not allowed (ALLOWED_ORIGINS)`);
  }

  /** Same origin: the page was served by the host the upgrade is addressed to. */
  private isSameOrigin(origin: string, request: IncomingMessage): boolean {
    const host = request.headers.host?.toLowerCase();
    if (!host) return false;
    try {
      const url = new URL(origin);
      return (url.protocol === 'http:' || url.protocol === 'https:') && url.host === host;
    } catch {
      return false;
    }
  }
}
