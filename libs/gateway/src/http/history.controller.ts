import { Controller, Get, Param, Query, UseGuards } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiParam, ApiQuery, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { ADMIN_TOKEN_AUTH, API_KEY_AUTH, ApiErrors, INTERNAL_ERROR_CASE } from '#libs/api-docs';
import { z } from 'zod';
import { type Broadcast, type ChannelHistory, InjectHistory } from '#libs/transport';
import { onBus } from '../errors/gateway-error.js';
import { HttpErrorCode, httpError } from '../errors/http-error-codes.js';
import { ChannelPolicy } from '../history/channel-policy.js';
import { ApiKeyOrAdminGuard } from './api-key-or-admin.guard.js';
import { channelParam, parseInput } from './http-input.js';
import { channelSchema, historyResponseSchema } from './api-schemas.js';

const MAX_LIMIT = 1000;
const offset = z.coerce.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);
const historyQuery = z
  .object({
    since: offset.optional(),
    limit: z.coerce.number().int().min(1).max(MAX_LIMIT).default(100),
  })
  .strict();

export interface HistoryResponse {
  channel: string;
  /** The channel's top and epoch: compare the epoch with the one a previous page gave. */
  offset: number;
  epoch: string;
  publications: Array<{ offset: number; ts: number; node: string; payload: unknown }>;
  /** More publications follow the last one returned: ask again with `since` = its offset. */
  more: boolean;
  /** Some publications after `since` are no longer kept. */
  truncated: boolean;
}

const toPublication = (message: Broadcast) => ({
  offset: message.position!.offset,
  ts: message.ts,
  node: message.origin,
  payload: (JSON.parse(message.frame) as { data: { payload: unknown } }).data.payload,
});

/**
 * GET /api/channels/{channel}/history: a channel's stored publications, for back ends
 * that fill gaps themselves and for operators. `since` pages forward from an offset;
 * without it the latest `limit` publications are returned. Channel names with `/` must be
 * percent-encoded in the path.
 */
@ApiTags('history')
@Controller('api/channels')
@UseGuards(ApiKeyOrAdminGuard)
export class HistoryController {
  constructor(
    @InjectHistory() private readonly history: ChannelHistory | null,
    private readonly policy: ChannelPolicy,
  ) {}

  @Get(':channel/history')
  @ApiOperation({
    operationId: 'readHistory',
    summary: "A channel's stored publications, oldest first",
    description:
      '`since` (an offset) pages forward: the publications after it; without it, the latest `limit`. ' +
      'Needs `Bearer <API_KEY>` or `Bearer <ADMIN_TOKEN>` when either is set. Percent-encode `/` in channel names.',
  })
  @ApiSecurity(API_KEY_AUTH)
  @ApiSecurity(ADMIN_TOKEN_AUTH)
  @ApiParam({ name: 'channel', schema: channelSchema })
  @ApiQuery({ name: 'since', required: false, schema: { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER }, description: 'an offset: answer the publications after it' })
  @ApiQuery({ name: 'limit', required: false, schema: { type: 'integer', minimum: 1, maximum: MAX_LIMIT, default: 100 } })
  @ApiOkResponse({ description: 'a page of the history', schema: historyResponseSchema })
  @ApiErrors({
    400: [
      { code: 'INVALID_CHANNEL', when: 'the channel breaks the channel rule' },
      { code: 'BAD_REQUEST', when: 'a bad `since` or `limit`, an unknown query parameter, or a broken percent-encoding' },
    ],
    401: [{ code: 'UNAUTHORIZED', when: 'API_KEY or ADMIN_TOKEN is set and the request carries neither' }],
    404: [{ code: 'HISTORY_OFF', when: 'the channel keeps no history (HISTORY_CHANNELS, CHANNELS_CONFIG)' }],
    500: [INTERNAL_ERROR_CASE],
    503: [{ code: 'TRANSPORT_UNAVAILABLE', when: 'the node cannot reach the bus that holds the history' }],
  })
  async read(@Param('channel') channel: string, @Query() query: unknown): Promise<HistoryResponse> {
    channelParam(channel);
    const page = parseInput(historyQuery, query, `?since=<offset>&limit=<1-${MAX_LIMIT}>`, 'query');
    const options = this.policy.historyOf(channel);
    if (!options) throw httpError(HttpErrorCode.HISTORY_OFF, `${channel} keeps no history (HISTORY_CHANNELS, CHANNELS_CONFIG)`);
    const read = await onBus(() => this.history!.read(channel, page, options));
    return { channel, ...read.position, publications: read.publications.map(toPublication), more: read.more, truncated: read.truncated };
  }
}
