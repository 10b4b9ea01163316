import { Body, Controller, HttpCode, Post, UseGuards } from '@nestjs/common';
import { ApiBody, ApiOkResponse, ApiOperation, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { API_KEY_AUTH, ApiErrors, INTERNAL_ERROR_CASE } from '#libs/api-docs';
import { z } from 'zod';
import type { ServerCommand } from '#libs/transport';
import { type CommandOutcome, ServerControl } from '../server-control/server-control.service.js';
import { ApiKeyGuard } from './api-key.guard.js';
import { channelParam, parseInput } from './http-input.js';
import { channelCommandBodySchema, commandResponseSchema, disconnectBodySchema } from './api-schemas.js';

const userId = z.string().min(1).max(256);
const closeCode = z
  .number()
  .int()
  .refine((code) => code === 1000 || (code >= 4000 && code <= 4999), 'must be 1000 or 4000-4999');
const disconnectBody = z
  .object({
    userId: userId.optional(),
    connectionId: z.string().min(1).max(64).optional(),
    code: closeCode.default(1000),
    reason: z
      .string()
      .default('')
      .refine((reason) => Buffer.byteLength(reason) <= 123, 'at most 123 bytes of UTF-8'),
  })
  .strict()
  .refine((body) => (body.userId === undefined) !== (body.connectionId === undefined), 'exactly one of userId and connectionId');
const channelBody = z.object({ userId, channel: z.string() }).strict();

function channelCommand(action: 'subscribe' | 'unsubscribe', body: unknown): ServerCommand {
  const { userId, channel } = parseInput(channelBody, body, '{userId, channel}');
  return { action, userId, channel: channelParam(channel) };
}

const errors: Parameters<typeof ApiErrors>[0] = {
  400: [
    { code: 'BAD_JSON', when: 'the body is not valid JSON' },
    { code: 'BAD_REQUEST', when: 'a field missing, of the wrong type, or extra; a bad close code or reason' },
    { code: 'INVALID_CHANNEL', when: 'the channel breaks the channel rule' },
  ],
  401: [{ code: 'UNAUTHORIZED', when: 'API_KEY is set and the request does not carry it' }],
  500: [INTERNAL_ERROR_CASE],
  503: [{ code: 'TRANSPORT_UNAVAILABLE', when: 'the node cannot reach the cluster bus: no other node was told' }],
};

/**
 * Server-side control of connections, for back ends holding the API key: the command
 * reaches every node through the bus's control channel and the answer counts the
 * connections affected on the nodes that answered within 1 s.
 */
@ApiTags('control')
@Controller('api')
@UseGuards(ApiKeyGuard)
export class ServerControlController {
  constructor(private readonly control: ServerControl) {}

  @Post('disconnect')
  @HttpCode(200)
  @ApiOperation({
    operationId: 'disconnect',
    summary: "Close a user's connections (or one connection) on every node",
    description: 'With a close code (1000 or 4000-4999) and reason. Needs `Authorization: Bearer <API_KEY>` when API_KEY is set.',
  })
  @ApiSecurity(API_KEY_AUTH)
  @ApiBody({ schema: disconnectBodySchema, required: true })
  @ApiOkResponse({ description: 'how many connections were closed', schema: commandResponseSchema })
  @ApiErrors(errors)
  disconnect(@Body() body: unknown): Promise<CommandOutcome> {
    const { userId, connectionId, code, reason } = parseInput(disconnectBody, body, '{userId | connectionId, code?, reason?}');
    return this.control.run({ action: 'disconnect', ...(userId === undefined ? {} : { userId }), ...(connectionId === undefined ? {} : { connectionId }), code, reason });
  }

  @Post('subscribe')
  @HttpCode(200)
  @ApiOperation({
    operationId: 'serverSubscribe',
    summary: "Subscribe a user's connections on every node to a channel",
    description:
      'Each connection of the user not yet subscribed joins the channel live (no history position) and receives an unsolicited `subscribed` frame. ' +
      'Permissions of the token are not checked: the back end decides. Needs `Authorization: Bearer <API_KEY>` when API_KEY is set.',
  })
  @ApiSecurity(API_KEY_AUTH)
  @ApiBody({ schema: channelCommandBodySchema, required: true })
  @ApiOkResponse({ description: 'how many connections joined the channel', schema: commandResponseSchema })
  @ApiErrors(errors)
  subscribe(@Body() body: unknown): Promise<CommandOutcome> {
    return this.control.run(channelCommand('subscribe', body));
  }

  @Post('unsubscribe')
  @HttpCode(200)
  @ApiOperation({
    operationId: 'serverUnsubscribe',
    summary: "Unsubscribe a user's connections on every node from a channel",
    description: 'Each connection of the user subscribed to the channel leaves it and receives an unsolicited `unsubscribed` frame. Needs `Authorization: Bearer <API_KEY>` when API_KEY is set.',
  })
  @ApiSecurity(API_KEY_AUTH)
  @ApiBody({ schema: channelCommandBodySchema, required: true })
  @ApiOkResponse({ description: 'how many connections left the channel', schema: commandResponseSchema })
  @ApiErrors(errors)
  unsubscribe(@Body() body: unknown): Promise<CommandOutcome> {
    return this.control.run(channelCommand('unsubscribe', body));
  }
}
