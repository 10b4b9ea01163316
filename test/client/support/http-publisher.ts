import { sleep } from '../../infra/managed-process.js';
import { postJson } from '../../support/http.js';

export interface PublisherResult {
  /** Sequence numbers the server acknowledged (202), in publish order. */
  acked: number[];
  /** Refused with an HTTP status: not published. */
  refused: Array<{ seq: number; status: number }>;
  /** No answer, or the balancer's 502/504 (the node went away mid-request): may or may not have been published. */
  uncertain: number[];
  /** The offset of the last acknowledged message. */
  lastOffset: number | undefined;
}

/**
 * A back end publishing over HTTP at a steady rate: payload = a sequence number, one
 * request at a time (so sequence order is publish order), catching up when a request
 * was slow. Runs until `stop()`.
 */
export function startHttpPublisher(http: string, channel: string, ratePerSec: number): { stop(): Promise<PublisherResult>; sent(): number } {
  const result: PublisherResult = { acked: [], refused: [], uncertain: [], lastOffset: undefined };
  let running = true;
  let seq = 0;
  const loop = (async () => {
    const began = performance.now();
    while (running) {
      const wait = began + (seq * 1000) / ratePerSec - performance.now();
      if (wait > 0) await sleep(wait);
      const n = seq++;
      try {
        const response = await postJson(`${http}/api/publish`, { channel, payload: n });
        if (response.status === 202) {
          result.acked.push(n);
          result.lastOffset = response.body.offset;
        } else if (response.status === 502 || response.status === 504) {
          // The balancer lost the node mid-request: the node may have published it.
          result.uncertain.push(n);
        } else result.refused.push({ seq: n, status: response.status });
      } catch {
        result.uncertain.push(n);
      }
    }
  })();
  return {
    sent: () => seq,
    async stop() {
      running = false;
      await loop;
      return result;
    },
  };
}
