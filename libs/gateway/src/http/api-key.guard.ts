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

  canActivate(context: ExecutionContext): boolean {
    if (!this.expected) return true;
    const request = context.switchToHttp().getRequest<Request>();
    const match = /^Bearer\s+(.+)$/i.exec(request.headers.authorization ?? '');
    // Comparing digests keeps the comparison constant-time whatever the length sent.
    if (match && timingSafeEqual(digest(match[1]!), this.expected)) return true;
    context.switchToHttp().getResponse<Response>().setHeader('WWW-Authenticate', 'Bearer');
    throw new UnauthorizedException({
      statusCode: 401,
      code: 'UNAUTHORIZED',
      message: 'missing or invalid API key: send Authorization: Bearer <API_KEY>',
    });
  }
}
