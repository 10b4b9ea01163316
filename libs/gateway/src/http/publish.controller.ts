import { BadRequestException, Body, Controller, HttpCode, Post, ServiceUnavailableException, UseGuards } from '@nestjs/common';
import { ErrorCode } from '../protocol/error-codes.js';
import { CHANNEL_RULE, publishBody } from '../protocol/frames.js';
import { ProtocolException } from '../protocol/protocol-exception.js';
import { Publisher } from '../publisher.service.js';
import { ApiKeyGuard } from './api-key.guard.js';

/** POST /api/publish: how back-end services reach subscribers without a WebSocket of their own. */
@Controller('api')
export class PublishController {
  constructor(private readonly publisher: Publisher) {}

  @Post('publish')
  @HttpCode(202)
  @UseGuards(ApiKeyGuard)
  async publish(@Body() body: unknown): Promise<{ accepted: true; channel: string; ts: number; offset?: number; epoch?: string }> {
    const parsed = publishBody.safeParse(body);
    if (!parsed.success) {
      const badChannel = parsed.error.issues.some((issue) => issue.path[0] === 'channel');
      throw new BadRequestException({
        statusCode: 400,
        code: badChannel ? ErrorCode.INVALID_CHANNEL : ErrorCode.BAD_REQUEST,
        message: badChannel
          ? CHANNEL_RULE
          : `body must be {"channel": string, "payload": any}: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ')}`,
      });
    }
    try {
      const { ts, position } = await this.publisher.publish(parsed.data.channel, parsed.data.payload, 'http');
      return { accepted: true, channel: parsed.data.channel, ts, ...position };
    } catch (error) {
      if (error instanceof ProtocolException && error.code === ErrorCode.TRANSPORT_UNAVAILABLE) {
        throw new ServiceUnavailableException({ statusCode: 503, code: error.code, message: error.message });
      }
      throw error;
    }
  }
}
