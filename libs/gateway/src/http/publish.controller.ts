import { Body, Controller, HttpCode, Post, UseFilters, UseGuards } from '@nestjs/common';
import { GatewayError } from '../errors/gateway-error.js';
import { GatewayErrorHttpFilter } from '../errors/gateway-error-http.filter.js';
import { validateData } from '../protocol/parse-frame.js';
import { Publisher } from '../publisher.service.js';
import { ApiKeyGuard } from './api-key.guard.js';

export interface PublishResponse {
  accepted: true;
  channel: string;
  ts: number;
  /** On channels with history: the publication's position. */
  offset?: number;
  epoch?: string;
}

/**
 * POST /api/publish: how back-end services reach subscribers without a WebSocket of their
 * own. The body is validated by the same rule as a WebSocket `publish` frame's data.
 */
@Controller('api')
@UseFilters(GatewayErrorHttpFilter)
export class PublishController {
  constructor(private readonly publisher: Publisher) {}

  @Post('publish')
  @HttpCode(202)
  @UseGuards(ApiKeyGuard)
  async publish(@Body() body: unknown): Promise<PublishResponse> {
    const parsed = validateData('publish', body);
    if (!parsed.ok) throw new GatewayError(parsed.code, parsed.message);
    const { channel, payload } = parsed.data;
    const { ts, position } = await this.publisher.publish(channel, payload, 'http');
    return { accepted: true, channel, ts, ...position };
  }
}
