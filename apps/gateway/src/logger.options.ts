import type { IncomingMessage } from 'node:http';
import type { Params } from 'nestjs-pino';
import type { SwitchboardConfig } from '#libs/config';

/** Removes `access_token` from a logged URL: a token must never reach the logs. */
export function redactUrl(url: string | undefined): string | undefined {
  if (!url || !/access_token/i.test(url)) return url;
  return url.replace(/([?&]access_token=)[^&#]*/gi, '$1[Redacted]');
}

/** JSON logs via pino, with credentials redacted wherever a request carries them. */
export function loggerOptions(config: SwitchboardConfig): Params {
  return {
    pinoHttp: {
      level: config.logLevel,
      base: { node: config.nodeId },
      redact: ['req.headers.authorization', 'req.headers.cookie', 'req.headers["sec-websocket-protocol"]', 'req.query.access_token'],
      serializers: {
        req: (req: { url?: string }) => ({ ...req, url: redactUrl(req.url) }),
      },
      // Health polls and scrapes arrive every few seconds; logging them would drown the rest.
      autoLogging: { ignore: (request: IncomingMessage) => /^\/(health|metrics)/.test(request.url ?? '') },
    },
  };
}
