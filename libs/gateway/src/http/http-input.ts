import type { z } from 'zod';
import { GatewayError } from '../errors/gateway-error.js';
import { ErrorCode } from '../protocol/error-codes.js';
import { CHANNEL_PATTERN, CHANNEL_RULE } from '../protocol/frames.js';

/**
 * Validation of HTTP input at the edge, the same way for every controller: a channel in
 * the path or a body is INVALID_CHANNEL when it breaks the rule, anything else of the
 * wrong shape BAD_REQUEST with what is wrong with it.
 */
export function channelParam(channel: string): string {
  if (!CHANNEL_PATTERN.test(channel)) throw new GatewayError(ErrorCode.INVALID_CHANNEL, CHANNEL_RULE);
  return channel;
}

/** `where`: `body` or `query`, named in the message with the `shape` expected. */
export function parseInput<T>(schema: z.ZodType<T>, value: unknown, shape: string, where: 'body' | 'query' = 'body'): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || where}: ${issue.message}`).join('; ');
  throw new GatewayError(ErrorCode.BAD_REQUEST, `${where} must be ${shape}: ${problems}`);
}
