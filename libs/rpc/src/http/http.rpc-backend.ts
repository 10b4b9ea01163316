import { z } from 'zod';
import { defineRpcBackend } from '../backend.js';

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const urlList = z
  .string()
  .refine((value) => value.split(',').every((url) => /^https?:\/\/[^\s,]+$/.test(url.trim())), 'must be an http(s) URL, or a comma-separated list of them');

export interface HttpRpcOptions {
  /** Back ends to POST requests to, tried round-robin; a connection failure moves on to the next. */
  urls: string[];
  /** Where connection events go (RPC_EVENTS); default: the first of `urls`. */
  eventsUrl?: string;
  /** Sent as `Authorization: Bearer <token>`. */
  token?: string;
  /** Keep-alive connections per back end. */
  maxSockets: number;
}

export const httpRpcBackend = defineRpcBackend({
  name: 'http',
  env: z.object({
    RPC_HTTP_URL: urlList,
    RPC_HTTP_EVENTS_URL: z.url({ protocol: /^https?$/ }).optional(),
    RPC_HTTP_TOKEN: z.string().min(1).optional(),
    RPC_HTTP_MAX_SOCKETS: int(1, 10_000).default(64),
  }),
  options: (env): HttpRpcOptions => ({
    urls: env.RPC_HTTP_URL.split(',').map((url) => url.trim()),
    eventsUrl: env.RPC_HTTP_EVENTS_URL,
    token: env.RPC_HTTP_TOKEN,
    maxSockets: env.RPC_HTTP_MAX_SOCKETS,
  }),
  describe: (options) => `POST ${options.urls.map((url) => new URL(url).origin + new URL(url).pathname).join(', ')}`,
  async create(options, context) {
    const { HttpRpcClient } = await import('./http-rpc.client.js');
    return new HttpRpcClient(options, context);
  },
});
