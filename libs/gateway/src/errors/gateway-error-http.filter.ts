import { type ArgumentsHost, Catch, type ExceptionFilter } from '@nestjs/common';
import type { Response } from 'express';
import { GatewayError } from './gateway-error.js';
import { httpStatusOf } from './http-status.js';

/** The HTTP edge of {@link GatewayError}: the documented body `{statusCode, code, message}`. */
@Catch(GatewayError)
export class GatewayErrorHttpFilter implements ExceptionFilter {
  catch(error: GatewayError, host: ArgumentsHost): void {
    const statusCode = httpStatusOf(error.code);
    host.switchToHttp().getResponse<Response>().status(statusCode).json({ statusCode, code: error.code, message: error.message });
  }
}
