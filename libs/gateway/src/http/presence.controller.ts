import { Controller, Get, Param, UseGuards } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiParam, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { ADMIN_TOKEN_AUTH, API_KEY_AUTH, ApiErrors, INTERNAL_ERROR_CASE } from '#libs/api-docs';
import type { PresenceEntry } from '#libs/transport';
import { PresenceService } from '../presence/presence.service.js';
import { ApiKeyOrAdminGuard } from './api-key-or-admin.guard.js';
import { channelParam } from './http-input.js';
import { channelSchema, presenceResponseSchema } from './api-schemas.js';

export interface PresenceResponse {
  channel: string;
  members: PresenceEntry[];
  connections: number;
  users: number;
  truncated: boolean;
}

/** GET /api/channels/{channel}/presence: who is on a channel with presence, cluster-wide, as this node sees it. */
@ApiTags('presence')
@Controller('api/channels')
@UseGuards(ApiKeyOrAdminGuard)
export class PresenceController {
  constructor(private readonly presence: PresenceService) {}

  @Get(':channel/presence')
  @ApiOperation({
    operationId: 'readPresence',
    summary: 'Who is on a channel with presence, on every node',
    description:
      'At most 1000 members (oldest join first); `connections` and `users` count all of them. Eventually consistent: a node killed ' +
      'without a goodbye stays listed until 3 heartbeats after its last one. Needs `Bearer <API_KEY>` or `Bearer <ADMIN_TOKEN>` when either is set.',
  })
  @ApiSecurity(API_KEY_AUTH)
  @ApiSecurity(ADMIN_TOKEN_AUTH)
  @ApiParam({ name: 'channel', schema: channelSchema })
  @ApiOkResponse({ description: "the channel's presence", schema: presenceResponseSchema })
  @ApiErrors({
    400: [{ code: 'INVALID_CHANNEL', when: 'the channel breaks the channel rule' }],
    401: [{ code: 'UNAUTHORIZED', when: 'API_KEY or ADMIN_TOKEN is set and the request carries neither' }],
    404: [{ code: 'PRESENCE_OFF', when: 'the channel has no presence (PRESENCE_CHANNELS, CHANNELS_CONFIG)' }],
    500: [INTERNAL_ERROR_CASE],
  })
  read(@Param('channel') channel: string): PresenceResponse {
    return this.presence.report(channelParam(channel));
  }
}
