import { type CanActivate, type ExecutionContext, Injectable, UnauthorizedException } from '@nestjs/common';
import type { Request, Response } from 'express';
import { createHash, timingSafeEqual } from 'node:crypto';
import { InjectConfig, type SwitchboardConfig } from '#libs/config';

const digest = (value: string) => createHash('sha256').update(value).digest();

/**
 * Guards the admin API (the cluster view behind the dashboard): when ADMIN_TOKEN is
 * set, a request must carry `Authorization: Bearer <ADMIN_TOKEN>`; without it the API
 * is open, and GET /api/overview says so (`adminProtected: false`).
 *
 *   @UseGuards(AdminTokenGuard)
 *   @Controller('api') export class ClusterController { ... }
 */
@Injectable()
export class AdminTokenGuard implements CanActivate {
  private readonly expected?: Buffer;

  constructor(@InjectConfig() config: SwitchboardConfig) {
    const token = config.admin?.token;
    this.expected = token === undefined || token === '' ? undefined : digest(token);
  }

  /** Whether ADMIN_TOKEN is set, i.e. whether this guard lets anyone in. */
  get protected(): boolean {
    return this.expected !== undefined;
  }

  /** Whether the request carries the admin token (false when none is configured). */
  carriesToken(request: Request): boolean {
    if (!this.expected) return false;
    const match = /^Bearer\s+(.+)$/i.exec(request.headers.authorization ?? '');
    // Comparing fixed-length digests keeps the comparison constant-time whatever was sent.
    return match !== null && timingSafeEqual(digest(match[1]!.trim()), this.expected);
  }

  canActivate(context: ExecutionContext): boolean {
    if (!this.expected) return true;
    if (this.carriesToken(context.switchToHttp().getRequest<Request>())) return true;
    context.switchToHttp().getResponse<Response>().setHeader('WWW-Authenticate', 'Bearer realm="switchboard-admin"');
    throw new UnauthorizedException({
      statusCode: 401,
      code: 'UNAUTHORIZED',
      message: 'missing or invalid admin token: send Authorization: Bearer <ADMIN_TOKEN>',
    });
  }
}
