import { type CanActivate, type ExecutionContext, Injectable, UnauthorizedException } from '@nestjs/common';
import type { Request, Response } from 'express';
import { createHash, timingSafeEqual } from 'node:crypto';
import { InjectConfig, type SwitchboardConfig } from '#libs/config';

const digest = (value: string) => createHash('sha256').update(value).digest();

/** Requires `Authorization: Bearer <API_KEY>` when API_KEY is set; open otherwise. */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  private readonly expected?: Buffer;

  constructor(@InjectConfig() config: SwitchboardConfig) {
    this.expected = config.api.apiKey === undefined ? undefined : digest(config.api.apiKey);
  }

  get protected(): boolean {
    return this.expected !== undefined;
  }

  /** Whether the request carries the API key (false when none is configured). */
  carriesKey(request: Request): boolean {
    if (!this.expected) return false;
    const match = /^Bearer\s+(.+)$/i.exec(request.headers.authorization ?? '');
    // Comparing digests keeps the comparison constant-time whatever the length sent.
    return match !== null && timingSafeEqual(digest(match[1]!), this.expected);
  }

  canActivate(context: ExecutionContext): boolean {
    if (!this.expected) return true;
    if (this.carriesKey(context.switchToHttp().getRequest<Request>())) return true;
    context.switchToHttp().getResponse<Response>().setHeader('WWW-Authenticate', 'Bearer');
    throw new UnauthorizedException({
      statusCode: 401,
      code: 'UNAUTHORIZED',
      message: 'missing or invalid API key: send Authorization: Bearer <API_KEY>',
    });
  }
}
