import { Controller, Get, Param, Query, UseFilters, UseGuards } from '@nestjs/common';
import { z } from 'zod';
import { type Broadcast, type ChannelHistory, InjectHistory, TransportUnavailableError } from '#libs/transport';
import { GatewayError } from '../errors/gateway-error.js';
import { GatewayErrorHttpFilter } from '../errors/gateway-error-http.filter.js';
import { ChannelPolicy } from '../history/channel-policy.js';
import { ErrorCode } from '../protocol/error-codes.js';
import { CHANNEL_PATTERN, CHANNEL_RULE } from '../protocol/frames.js';
import { ApiKeyOrAdminGuard } from './api-key-or-admin.guard.js';

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
@Controller('api/channels')
@UseGuards(ApiKeyOrAdminGuard)
@UseFilters(GatewayErrorHttpFilter)
export class HistoryController {
  constructor(
    @InjectHistory() private readonly history: ChannelHistory | null,
    private readonly policy: ChannelPolicy,
  ) {}

  @Get(':channel/history')
  async read(@Param('channel') channel: string, @Query() query: unknown): Promise<HistoryResponse> {
    if (!CHANNEL_PATTERN.test(channel)) throw new GatewayError(ErrorCode.INVALID_CHANNEL, CHANNEL_RULE);
    const parsed = historyQuery.safeParse(query);
    if (!parsed.success) {
      const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || 'query'}: ${issue.message}`).join('; ');
      throw new GatewayError(ErrorCode.BAD_REQUEST, `query must be ?since=<offset>&limit=<1-${MAX_LIMIT}>: ${problems}`);
    }
    const options = this.history ? this.policy.historyOf(channel) : undefined;
    if (!options) throw new GatewayError(ErrorCode.HISTORY_OFF, `${channel} keeps no history (HISTORY_CHANNELS, CHANNELS_CONFIG)`);
    try {
      const page = await this.history!.read(channel, parsed.data, options);
      return { channel, ...page.position, publications: page.publications.map(toPublication), more: page.more, truncated: page.truncated };
    } catch (error) {
      if (error instanceof TransportUnavailableError) throw new GatewayError(ErrorCode.TRANSPORT_UNAVAILABLE, error.message);
      throw error;
    }
  }
}
