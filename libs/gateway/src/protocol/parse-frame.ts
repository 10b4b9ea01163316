import type { z } from 'zod';
import { CHANNEL_RULE, type ClientEventName, type ClientFrame, clientEvents, envelope, type FrameOf, isClientEvent } from './frames.js';
import { ErrorCode } from './error-codes.js';

export type ParseResult =
  | { ok: true; frame: ClientFrame }
  | { ok: false; code: ErrorCode; message: string; id?: string | number };

function describe(error: z.ZodError): string {
  return error.issues
    .map((issue) => (issue.path.length ? `${issue.path.join('.')}: ${issue.message}` : issue.message))
    .join('; ');
}

function takeId(value: unknown): string | number | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const id = (value as { id?: unknown }).id;
  return typeof id === 'string' || (typeof id === 'number' && Number.isFinite(id)) ? id : undefined;
}

/**
 * Turns one inbound JSON text message into a typed frame, or into the error frame the
 * client must get. With {@link parseFrameValue} the only place client input is validated:
 * handlers receive frames whose `data` already has the shape their event requires.
 */
export function parseClientFrame(text: string): ParseResult {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, code: ErrorCode.BAD_JSON, message: 'frame is not valid JSON' };
  }
  return parseFrameValue(json);
}

/** Validates a decoded frame, whatever format it arrived in (JSON text or MessagePack). */
export function parseFrameValue(json: unknown): ParseResult {
  const id = takeId(json);
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    return { ok: false, code: ErrorCode.BAD_REQUEST, message: 'frame must be a JSON object {"event", "data", "id"?}', id };
  }
  const head = envelope.safeParse(json);
  if (!head.success) return { ok: false, code: ErrorCode.BAD_REQUEST, message: describe(head.error), id };

  const { event, data } = head.data;
  if (!isClientEvent(event)) {
    return { ok: false, code: ErrorCode.UNKNOWN_EVENT, message: `unknown event "${event.slice(0, 64)}"`, id };
  }
  const body = validateData(event, data);
  if (!body.ok) return { ...body, id };
  return { ok: true, frame: { event, data: body.data, id: head.data.id } as ClientFrame };
}

export type DataResult<E extends ClientEventName> = { ok: true; data: FrameOf<E>['data'] } | { ok: false; code: ErrorCode; message: string };

/**
 * Validates one event's `data`: the one rule for it, whichever edge it came in on (a
 * WebSocket frame, or the body of `POST /api/publish`).
 */
export function validateData<E extends ClientEventName>(event: E, data: unknown): DataResult<E> {
  const body = clientEvents[event].safeParse(data);
  if (body.success) return { ok: true, data: body.data as FrameOf<E>['data'] };
  const channelIssue = body.error.issues.some((issue) => issue.path[0] === 'channel' && issue.message === CHANNEL_RULE);
  return {
    ok: false,
    code: channelIssue ? ErrorCode.INVALID_CHANNEL : ErrorCode.BAD_REQUEST,
    message: channelIssue ? CHANNEL_RULE : `invalid "${event}" data: ${describe(body.error)}`,
  };
}
