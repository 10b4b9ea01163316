import { type CanActivate, type ExecutionContext, Injectable, UnauthorizedException } from '@nestjs/common';
import type { Request, Response } from 'express';
import { AdminTokenGuard } from '#libs/admin';
import { InjectConfig, type SwitchboardConfig } from '#libs/config';
import { ApiKeyGuard } from './api-key.guard.js';

/**
 * For endpoints that serve both back ends and operators (channel history): the request
 * must carry API_KEY or ADMIN_TOKEN, whichever are configured. An unset credential opens
 * nothing while the other is set, since these endpoints return message payloads; with
 * neither set (development) they are open.
 */
@Injectable()
export class ApiKeyOrAdminGuard implements CanActivate {
  private readonly apiKey: ApiKeyGuard;
  private readonly admin: AdminTokenGuard;

  constructor(@InjectConfig() config: SwitchboardConfig) {
    this.apiKey = new ApiKeyGuard(config);
    this.admin = new AdminTokenGuard(config);
  }

  canActivate(context: ExecutionContext): boolean {
    if (!this.apiKey.protected && !this.admin.protected) return true;
    const request = context.switchToHttp().getRequest<Request>();
    if (this.apiKey.carriesKey(request) || this.admin.carriesToken(request)) return true;
    context.switchToHttp().getResponse<Response>().setHeader('WWW-Authenticate', 'Bearer');
    throw new UnauthorizedException({
      statusCode: 401,
      code: 'UNAUTHORIZED',
      message: 'missing or invalid credentials: send Authorization: Bearer <API_KEY> or Bearer <ADMIN_TOKEN>',
    });
  }
}
