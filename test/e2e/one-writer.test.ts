import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../support/gateway-process.js';
import { type InProcessNode, startInProcessNode } from '../support/in-process-node.js';
import { type Frame, TestClient } from '../support/test-client.js';
import { hsToken, SECRET } from '../support/tokens.js';

/** Reads one counter sample from /metrics, 0 when absent. */
async function counter(node: InProcessNode, name: string, labels: string): Promise<number> {
  const text = await (await fetch(`${node.http}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name}{${labels}}`));
  return line ? Number(line.split(' ').at(-1)) : 0;
}

/**
 * Every frame a connection receives leaves through one writer: replies in request
 * order, every frame counted, every error answering its request's id, and what was
 * accepted before a policy close answered before the close frame.
 */
describe('one way out to the socket', () => {
  let node: InProcessNode;
  beforeAll(async () => {
    node = await startInProcessNode({ RATE_LIMIT_PER_SEC: '1000', RATE_LIMIT_BURST: '1000', INVALID_FRAMES_PER_MINUTE: '100000', HISTORY_CHANNELS: 'slow:*' });
  });
  afterAll(() => node.close());

  it('answers a burst of 200 mixed frames in the order they were sent', async () => {
    const client = await TestClient.connect(node.ws);
    for (let i = 0; i < 200; i++) {
      if (i % 2 === 0) client.send({ event: 'echo', data: i, id: i });
      else if (i % 4 === 1) client.send({ event: 'nope', id: i });
      // A subscribe on a channel with history waits for a history read: it must not be overtaken.
      else client.send({ event: 'subscribe', data: { channel: `slow:${i}` }, id: i });
    }
    const replies = await client.collect((frame) => frame.id !== undefined, 200);
    expect(replies.map((frame) => frame.id)).toEqual([...Array(200).keys()]);
    expect(replies.filter((frame) => frame.event === 'error').every((frame) => frame.data.code === 'UNKNOWN_EVENT')).toBe(true);
    client.close();
  });

  it('counts error frames from the exception filter in switchboard_messages_sent_total', async () => {
    const secured = await startInProcessNode({ AUTH_JWT_SECRET: SECRET });
    try {
      const before = await counter(secured, 'switchboard_messages_sent_total', 'event="error"');
      const token = await hsToken({ sub: 'alice', channels: ['mine:*'] });
      const client = await TestClient.connect(secured.ws, { headers: { authorization: `Bearer ${token}` } });
      expect(await client.request('subscribe', { channel: 'theirs:1' }, 'f1')).toMatchObject({ event: 'error', id: 'f1', data: { code: 'FORBIDDEN' } });
      expect(await client.request('publish', { channel: 'theirs:1', payload: 1 }, 'f2')).toMatchObject({ event: 'error', id: 'f2', data: { code: 'FORBIDDEN' } });
      await eventually(async () => (await counter(secured, 'switchboard_messages_sent_total', 'event="error"')) === before + 2, 2000);
      client.close();
    } finally {
      await secured.close();
    }
  });

  it('answers RATE_LIMITED with the id of the refused request', async () => {
    const limited = await startInProcessNode({ RATE_LIMIT_PER_SEC: '1', RATE_LIMIT_BURST: '5' });
    try {
      const client = await TestClient.connect(limited.ws);
      for (let i = 0; i < 8; i++) client.send({ event: 'echo', data: i, id: `r${i}` });
      const replies = await client.collect((frame) => typeof frame.id === 'string', 8);
      expect(replies.map((frame) => frame.id)).toEqual([...Array(8).keys()].map((i) => `r${i}`));
      expect(replies.slice(5).every((frame) => frame.event === 'error' && frame.data.code === 'RATE_LIMITED')).toBe(true);
      client.close();
    } finally {
      await limited.close();
    }
  });

  it('answers every frame accepted before a flood is closed with 1008, then closes', async () => {
    const strict = await startInProcessNode({ RATE_LIMIT_PER_SEC: '10', RATE_LIMIT_BURST: '50', HISTORY_CHANNELS: 'slow:*' });
    try {
      for (let run = 0; run < 3; run++) {
        const client = await TestClient.connect(strict.ws);
        // Accepted frames include slow ones (history reads), still in flight when the flood trips the limit.
        for (let i = 0; i < 200; i++) client.send(i % 3 === 0 ? { event: 'subscribe', data: { channel: `slow:${run}-${i}` }, id: i } : { event: 'echo', data: i, id: i });
        const close = await client.closed;
        expect(close.code).toBe(1008);
        const answered = client.frames.filter((frame: Frame) => typeof frame.id === 'number');
        const accepted = answered.filter((frame) => frame.event !== 'error');
        // The first 50 fit the burst: each of them got its reply, in order, before the close frame.
        expect(accepted.length).toBeGreaterThanOrEqual(50);
        expect(accepted.slice(0, 50).map((frame) => frame.id)).toEqual([...Array(50).keys()]);
        expect(answered.map((frame) => frame.id)).toEqual([...answered.map((frame) => frame.id as number)].sort((x, y) => x - y));
      }
    } finally {
      await strict.close();
    }
  });
});
