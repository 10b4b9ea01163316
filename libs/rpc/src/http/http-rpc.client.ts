import { Logger } from '@nestjs/common';
import http from 'node:http';
import https from 'node:https';
import type { RpcBackendClient, RpcBackendContext } from '../backend.js';
import { ENVELOPE_VERSION, encodeEnvelope, parseReply, type RpcEventEnvelope, type RpcRequestEnvelope } from '../envelope.js';
import { RpcUnavailableError } from '../errors.js';
import type { HttpRpcOptions } from './http.rpc-backend.js';

/** The request is cut this long after its deadline: by then the service has answered RPC_TIMEOUT itself. */
const ABORT_AFTER_DEADLINE_MS = 50;
/** Pause before trying the next back end after a connection failure. */
const RETRY_PAUSE_MS = 20;
const EVENT_TIMEOUT_MS = 5000;
/** How long a back end that could not be reached is passed over. */
const DOWN_FOR_MS = 1000;

class ResponseError extends Error {}
/** The request failed on a reused keep-alive socket the server had closed meanwhile. */
class StaleSocketError extends Error {}
const STALE_RETRIED = '\u0000stale-retried';

/**
 * RPC over HTTP, for teams without a queue (the shape of Centrifugo's RPC proxy): each
 * request is one `POST` of the request envelope to a back end, whose `200` response body
 * is the reply (`{"result": …}` or `{"error": {"code", "message"}}`, `v` and `id`
 * optional). A request whose back end cannot be reached (refused, reset, no response) is
 * sent to the next URL while the deadline allows, and the failed one is passed over for a
 * second: like the queues, delivery is at least once.
 * Any other status is RPC_UNAVAILABLE, never retried.
 */
export class HttpRpcClient implements RpcBackendClient {
  readonly name = 'http';
  private readonly logger = new Logger('HttpRpc');
  private readonly agents: { http: http.Agent; https: https.Agent };
  private next = 0;
  /** Back ends that failed to answer at all, skipped until then while another is left. */
  private readonly downUntil = new Map<string, number>();
  private stopped = false;

  constructor(
    private readonly options: HttpRpcOptions,
    private readonly context: RpcBackendContext,
  ) {
    const agentOptions = { keepAlive: true, maxSockets: options.maxSockets, maxFreeSockets: options.maxSockets, scheduling: 'lifo' as const };
    this.agents = { http: new http.Agent(agentOptions), https: new https.Agent(agentOptions) };
  }

  get ready(): boolean {
    return !this.stopped;
  }

  async start(): Promise<void> {
    this.stopped = false;
    this.context.onState(true, `POST ${this.options.urls.length} back end(s)`);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.agents.http.destroy();
    this.agents.https.destroy();
  }

  async send(request: RpcRequestEnvelope): Promise<void> {
    if (this.stopped) throw new RpcUnavailableError('the http RPC backend is stopped');
    const body = encodeEnvelope(request);
    const tried = new Set<string>();
    let lastProblem = 'no back end';
    const urlsTried = () => tried.size - (tried.has(STALE_RETRIED) ? 1 : 0);
    while (urlsTried() < this.options.urls.length) {
      const url = this.pick(tried);
      tried.add(url);
      const left = request.deadline - Date.now();
      if (left <= 0) return; // the service has answered RPC_TIMEOUT
      try {
        const { status, text } = await this.post(url, body, left + ABORT_AFTER_DEADLINE_MS, request.method);
        this.downUntil.delete(url);
        if (status < 200 || status > 299) throw new RpcUnavailableError(`the RPC back end answered HTTP ${status}`);
        this.deliver(request.id, text);
        return;
      } catch (error) {
        if (error instanceof RpcUnavailableError) throw error;
        if (error instanceof ResponseError) throw new RpcUnavailableError(error.message);
        // A kept-alive connection the back end had just closed: not the back end's fault, once.
        if (error instanceof StaleSocketError && !tried.has(STALE_RETRIED)) {
          tried.delete(url);
          (tried as Set<string>).add(STALE_RETRIED);
          continue;
        }
        // No response at all: the back end is down (or went down with the request). Skip it for a while; try the next.
        this.downUntil.set(url, Date.now() + DOWN_FOR_MS);
        lastProblem = (error as Error).message;
        if (urlsTried() < this.options.urls.length) await new Promise((resolve) => setTimeout(resolve, RETRY_PAUSE_MS));
      }
    }
    throw new RpcUnavailableError(`cannot reach the RPC back end (${lastProblem})`);
  }

  /** The next back end round-robin, skipping those tried for this request and, while others are left, those recently down. */
  private pick(tried: ReadonlySet<string>): string {
    const { urls } = this.options;
    const now = Date.now();
    let fallback: string | undefined;
    for (let step = 0; step < urls.length; step++) {
      const url = urls[this.next++ % urls.length]!;
      if (tried.has(url)) continue;
      if ((this.downUntil.get(url) ?? 0) <= now) return url;
      fallback ??= url;
    }
    return fallback!;
  }

  async sendEvent(event: RpcEventEnvelope): Promise<void> {
    if (this.stopped) throw new RpcUnavailableError('the http RPC backend is stopped');
    const { status } = await this.post(this.options.eventsUrl ?? this.options.urls[0]!, encodeEnvelope(event), EVENT_TIMEOUT_MS, `event.${event.event}`);
    if (status < 200 || status > 299) throw new RpcUnavailableError(`the events back end answered HTTP ${status}`);
  }

  /** The reply is the body; `v` and `id` may be left out (the HTTP exchange correlates it). */
  private deliver(id: string, text: string): void {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      this.context.onReply({ invalid: true, id, problem: 'reply is not JSON' });
      return;
    }
    if (!value || typeof value !== 'object' || Array.isArray(value)) {
      this.context.onReply({ invalid: true, id, problem: 'reply is not a JSON object' });
      return;
    }
    const parsed = parseReply({ v: ENVELOPE_VERSION, ...(value as object), id });
    this.context.onReply(parsed.ok ? parsed.reply : { invalid: true, id, problem: parsed.problem });
  }

  /**
   * One POST. Rejects with a plain Error when no response came (worth another back end),
   * with ResponseError when a response came but could not be read whole.
   */
  private post(target: string, body: Buffer, timeoutMs: number, method: string): Promise<{ status: number; text: string }> {
    const url = new URL(target);
    const secure = url.protocol === 'https:';
    const headers: http.OutgoingHttpHeaders = {
      'content-type': 'application/json',
      'content-length': body.length,
      'x-switchboard-rpc-method': method,
    };
    if (this.options.token) headers.authorization = `Bearer ${this.options.token}`;
    return new Promise((resolve, reject) => {
      const request = (secure ? https : http).request(url, { method: 'POST', headers, agent: secure ? this.agents.https : this.agents.http }, (response) => {
        const chunks: Buffer[] = [];
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > this.context.maxReplyBytes * 2 + 1024) {
            request.destroy();
            reject(new ResponseError('the RPC back end sent a reply over RPC_MAX_REPLY_BYTES'));
            return;
          }
          chunks.push(chunk);
        });
        response.on('end', () => resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString() }));
        response.on('error', (error) => reject(new ResponseError(`reading the RPC back end's response failed: ${error.message}`)));
      });
      request.setTimeout(timeoutMs, () => request.destroy(new Error('timed out')));
      request.on('error', (error: NodeJS.ErrnoException) => reject(request.reusedSocket && error.code === 'ECONNRESET' ? new StaleSocketError(error.message) : error));
      request.end(body);
    }).catch((error: unknown) => {
      if (!(error instanceof ResponseError)) this.logger.debug?.(`POST ${url.origin}${url.pathname} failed: ${String(error)}`);
      throw error;
    }) as Promise<{ status: number; text: string }>;
  }
}
