import { Body, Controller, HttpCode, Post, UseGuards } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBody, ApiOperation, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { API_KEY_AUTH, ApiErrors, INTERNAL_ERROR_CASE } from '#libs/api-docs';
import { GatewayError } from '../errors/gateway-error.js';
import { validateData } from '../protocol/parse-frame.js';
import { Publisher } from '../publisher.service.js';
import { ApiKeyGuard } from './api-key.guard.js';
import { publishBodySchema, publishResponseSchema } from './api-schemas.js';

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
@ApiTags('publish')
@Controller('api')
export class PublishController {
  constructor(private readonly publisher: Publisher) {}

  @Post('publish')
  @HttpCode(202)
  @UseGuards(ApiKeyGuard)
  @ApiOperation({
    operationId: 'publish',
    summary: 'Publish to every subscriber of a channel in the cluster',
    description:
      'The body follows the rule of a WebSocket `publish` frame\'s data. Needs `Authorization: Bearer <API_KEY>` when the node has API_KEY set (open otherwise). ' +
      'On a channel with history the answer carries the publication\'s `offset` and `epoch`.',
  })
  @ApiSecurity(API_KEY_AUTH)
  @ApiBody({ schema: publishBodySchema, required: true })
  @ApiAcceptedResponse({ description: 'handed to the bus: it reaches every current subscriber (at most once)', schema: publishResponseSchema })
  @ApiErrors({
    400: [
      { code: 'BAD_JSON', when: 'the body is not valid JSON' },
      { code: 'BAD_REQUEST', when: 'the body is not `{channel, payload}`: a field missing, of the wrong type, or extra' },
      { code: 'INVALID_CHANNEL', when: 'the channel breaks the channel rule' },
    ],
    401: [{ code: 'UNAUTHORIZED', when: 'API_KEY is set and the request does not carry it' }],
    413: [{ code: 'PAYLOAD_TOO_LARGE', when: 'the body is over MAX_PAYLOAD_BYTES + 1024 bytes' }],
    415: [{ code: 'UNSUPPORTED_MEDIA_TYPE', when: 'a JSON body in a charset or content encoding the node does not read' }],
    500: [INTERNAL_ERROR_CASE],
    503: [{ code: 'TRANSPORT_UNAVAILABLE', when: 'the node cannot reach the cluster bus: the message was not published' }],
  })
  async publish(@Body() body: unknown): Promise<PublishResponse> {
    const parsed = validateData('publish', body);
    if (!parsed.ok) throw new GatewayError(parsed.code, parsed.message);
    const { channel, payload } = parsed.data;
    const { ts, position } = await this.publisher.publish(channel, payload, 'http');
    return { accepted: true, channel, ts, ...position };
  }
}
