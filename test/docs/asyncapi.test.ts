import { Parser } from '@asyncapi/parser';
import { Ajv, type ValidateFunction } from 'ajv';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type InProcessNode, startInProcessNode } from '../support/in-process-node.js';
import { type Frame, isMessageOn, TestClient } from '../support/test-client.js';
import { clientEvents } from '../../libs/gateway/src/protocol/frames.js';

const SPEC = new URL('../../docs/asyncapi.yaml', import.meta.url);

interface MessageObject {
  name: string;
  payload: object;
  examples?: Array<{ payload: unknown }>;
}
interface AsyncApiJson {
  asyncapi: string;
  channels: Record<string, { messages: Record<string, MessageObject>; 'x-subprotocols': Array<{ name: string; aliases?: string[] }> }>;
  operations: Record<string, { action: 'send' | 'receive'; messages: MessageObject[]; reply?: { messages: MessageObject[] } }>;
  components: { messages: Record<string, MessageObject>; schemas: Record<string, object> };
}

/** docs/asyncapi.yaml, parsed and validated by @asyncapi/parser, with its $refs resolved. */
async function loadSpec() {
  const { document, diagnostics } = await new Parser().parse(readFileSync(SPEC, 'utf8'));
  return { json: document?.json() as unknown as AsyncApiJson | undefined, diagnostics };
}

describe('docs/asyncapi.yaml', () => {
  let spec: AsyncApiJson;
  const ajv = new Ajv({ strict: false, allErrors: true });
  const validators = new Map<string, ValidateFunction>();
  const validate = (message: string, value: unknown) => {
    const schema = spec.components.messages[message];
    expect(schema, `message ${message} is in the spec`).toBeDefined();
    if (!validators.has(message)) validators.set(message, ajv.compile(schema!.payload));
    const check = validators.get(message)!;
    return { ok: check(value) as boolean, errors: JSON.stringify(check.errors) };
  };

  beforeAll(async () => {
    const { json, diagnostics } = await loadSpec();
    // Severity 0 is an error, 1 a warning; 2 and 3 (information, hints: e.g. "3.1.0 exists") pass.
    expect(diagnostics.filter((d) => d.severity <= 1).map((d) => `${d.message} at ${d.path.join('.')}`)).toEqual([]);
    spec = json!;
  });

  it('is a valid AsyncAPI 3 document', () => {
    expect(spec.asyncapi).toMatch(/^3\./);
    expect(Object.keys(spec.components.messages).sort()).toEqual(
      [
        'echo', 'echoReply', 'error', 'join', 'leave', 'message', 'presence', 'presenceReply', 'presenceStatsReply', 'presence_stats',
        'publish', 'published', 'rpc', 'rpcResult', 'subscribe', 'subscribed', 'unsubscribe', 'unsubscribed', 'welcome',
      ].sort(),
    );
  });

  it('every example validates against its message', () => {
    for (const [name, message] of Object.entries(spec.components.messages)) {
      for (const example of message.examples ?? []) {
        const result = validate(name, example.payload);
        expect(result.ok, `${name} example: ${result.errors}`).toBe(true);
      }
    }
  });

  it('operations: the node receives every client event the code accepts, each with its reply or an error, and sends welcome, message and error', () => {
    const names = (messages: MessageObject[] = []) => messages.map((m) => m.name).sort();
    const received = Object.values(spec.operations).filter((o) => o.action === 'receive');
    // The code's table of client events is the truth: a new event without a spec fails here.
    expect(received.flatMap((o) => names(o.messages)).sort()).toEqual(Object.keys(clientEvents).sort());
    for (const operation of received) expect(names(operation.reply?.messages)).toContain('error');
    const sent = Object.values(spec.operations).filter((o) => o.action === 'send');
    expect(sent.flatMap((o) => names(o.messages)).sort()).toEqual(['error', 'join', 'leave', 'message', 'welcome']);
  });

  it('names the subprotocols the server speaks', () => {
    const subprotocols = spec.channels.connection!['x-subprotocols'];
    expect(subprotocols.flatMap((s) => [s.name, ...(s.aliases ?? [])]).sort()).toEqual(['switchboard', 'switchboard.json', 'switchboard.msgpack']);
  });

  describe('what a node sends matches it', () => {
    let node: InProcessNode;
    let json: TestClient;
    let packed: TestClient;
    const seen = new Set<string>();
    const replyNames: Record<string, string> = { echo: 'echoReply', presence: 'presenceReply', presence_stats: 'presenceStatsReply' };
    const serverMessage = (frame: Frame) => replyNames[frame.event] ?? frame.event;
    const clientMessage = (frame: { event: string }) => frame.event;

    /** Validates what a client sends and what it gets back. */
    const conforms = (frame: Frame, as: 'server' | 'client' = 'server') => {
      const name = as === 'server' ? serverMessage(frame) : clientMessage(frame);
      const result = validate(name, frame);
      expect(result.ok, `${name}: ${result.errors} for ${JSON.stringify(frame)}`).toBe(true);
      seen.add(`${as} ${name}`);
      return frame;
    };
    const ask = async (client: TestClient, event: string, data: unknown, id: string | number = `q${seen.size}`) => {
      conforms({ event, data, id }, 'client');
      return conforms(await client.request(event, data, id));
    };
    /** A request the spec does not allow: the node answers it with an error frame the spec describes. */
    const askInvalid = async (client: TestClient, event: string, data: unknown, id = `bad${seen.size}`) => {
      if (spec.components.messages[event]) expect(validate(event, { event, data, id }).ok, `${event} ${JSON.stringify(data)} is not allowed`).toBe(false);
      return conforms(await client.request(event, data, id));
    };

    beforeAll(async () => {
      node = await startInProcessNode({ NODE_ID: 'spec-node', HISTORY_CHANNELS: 'hist:*', PRESENCE_CHANNELS: 'room:*', MAX_SUBSCRIPTIONS_PER_CONNECTION: '4' });
      json = await TestClient.connect(node.ws);
      packed = await TestClient.connect(node.ws, { format: 'msgpack' });
    });
    afterAll(async () => {
      json.close();
      packed.close();
      await node.close();
    });

    it('welcome, echo, subscribe, unsubscribe on both formats', async () => {
      for (const client of [json, packed]) {
        conforms(client.welcome);
        expect(await ask(client, 'echo', { any: ['thing', 1, null] }, 7)).toMatchObject({ event: 'echo', id: 7 });
        expect(await ask(client, 'subscribe', { channel: 'plain' })).toMatchObject({ event: 'subscribed' });
        expect(await ask(client, 'unsubscribe', { channel: 'plain' })).toMatchObject({ event: 'unsubscribed' });
      }
    });

    it('publish, published and message, with positions on a channel with history, binary payloads too', async () => {
      await json.subscribe('plain');
      await packed.subscribe('plain');
      expect((await ask(json, 'publish', { channel: 'plain', payload: { text: 'hi' } })).data).toEqual({ channel: 'plain' });
      conforms(await json.next(isMessageOn('plain')));
      conforms(await packed.next(isMessageOn('plain')));

      const first = await ask(json, 'subscribe', { channel: 'hist:a' });
      expect(first.data).toMatchObject({ offset: expect.any(Number), epoch: expect.any(String) });
      const published = await ask(json, 'publish', { channel: 'hist:a', payload: null });
      expect(published.data).toMatchObject({ offset: expect.any(Number), epoch: expect.any(String) });
      const message = conforms(await json.next(isMessageOn('hist:a')));
      expect(message.data).toMatchObject({ offset: published.data.offset, epoch: published.data.epoch });

      // Bytes from a MessagePack publisher: the JSON subscriber sees the $binary marker.
      conforms({ event: 'publish', data: { channel: 'plain', payload: { blob: new Uint8Array([1, 2, 3]) } } }, 'client');
      packed.send({ event: 'publish', data: { channel: 'plain', payload: { blob: new Uint8Array([1, 2, 3]) } } });
      const marked = conforms(await json.next(isMessageOn('plain')));
      const marker = ajv.compile(spec.components.schemas.BinaryMarker!);
      expect(marker(marked.data.payload.blob), JSON.stringify(marked.data.payload)).toBe(true);
      conforms(await packed.next(isMessageOn('plain')));
    });

    it('recovery: subscribed with recovered and reason', async () => {
      const client = await TestClient.connect(node.ws);
      const top = (await ask(client, 'subscribe', { channel: 'hist:r' })).data;
      await ask(client, 'publish', { channel: 'hist:r', payload: 1 });
      client.close();
      const back = await TestClient.connect(node.ws);
      try {
        expect((await ask(back, 'subscribe', { channel: 'hist:r', since: { offset: top.offset, epoch: top.epoch } })).data).toMatchObject({ recovered: true });
        conforms(await back.next(isMessageOn('hist:r')));
        expect((await ask(back, 'subscribe', { channel: 'hist:s', since: { offset: 3, epoch: 'other' } })).data).toMatchObject({ recovered: false, reason: 'epoch_changed' });
        expect((await ask(back, 'subscribe', { channel: 'plain2', since: { offset: 3, epoch: 'other' } })).data).toMatchObject({ recovered: false, reason: 'history_off' });
      } finally {
        back.close();
      }
    });

    it('errors, with and without the request id', async () => {
      json.send('{"event":');
      expect(conforms(await json.next((f) => f.event === 'error')).data.code).toBe('BAD_JSON');
      expect((await askInvalid(json, 'dance', {})).data.code).toBe('UNKNOWN_EVENT');
      expect((await askInvalid(json, 'subscribe', { channel: 'a', extra: 1 })).data.code).toBe('BAD_REQUEST');
      expect((await askInvalid(json, 'subscribe', { channel: 'no spaces' })).data.code).toBe('INVALID_CHANNEL');
      expect((await askInvalid(json, 'subscribe', { channel: 'hist:x', since: { offset: -1, epoch: 'e' } })).data.code).toBe('BAD_REQUEST');
      const greedy = await TestClient.connect(node.ws);
      for (const channel of ['m1', 'm2', 'm3', 'm4']) await greedy.subscribe(channel);
      expect((await ask(greedy, 'subscribe', { channel: 'm5' })).data.code).toBe('TOO_MANY_SUBSCRIPTIONS');
      greedy.close();
      packed.send('text on a MessagePack connection');
      expect(conforms(await packed.next((f) => f.event === 'error')).data.code).toBe('BAD_REQUEST');
    });

    it('presence, presence_stats, join and leave', async () => {
      const watcher = await TestClient.connect(node.ws);
      const other = await TestClient.connect(node.ws);
      try {
        expect(await ask(watcher, 'subscribe', { channel: 'room:1', presence: true })).toMatchObject({ event: 'subscribed' });
        expect(conforms(await watcher.next((f) => f.event === 'join')).data).toMatchObject({ channel: 'room:1', connectionId: watcher.welcome.data.connectionId });
        await other.subscribe('room:1');
        conforms(await watcher.next((f) => f.event === 'join'));
        expect((await ask(watcher, 'presence', { channel: 'room:1' })).data).toMatchObject({ connections: 2, users: 2, truncated: false });
        expect((await ask(watcher, 'presence_stats', { channel: 'room:1' })).data).toEqual({ channel: 'room:1', connections: 2, users: 2 });
        other.close();
        expect(conforms(await watcher.next((f) => f.event === 'leave')).data.connectionId).toBe(other.welcome.data.connectionId);
        expect((await ask(watcher, 'presence', { channel: 'plain' })).data.code).toBe('PRESENCE_OFF');
        expect((await askInvalid(watcher, 'presence_stats', { channel: 'room:1', extra: 1 })).data.code).toBe('BAD_REQUEST');
      } finally {
        watcher.close();
      }
    });

    it('exercised every message of the spec', () => {
      expect([...seen].filter((s) => s.startsWith('server ')).map((s) => s.slice(7)).sort()).toEqual(
        ['echoReply', 'error', 'join', 'leave', 'message', 'presenceReply', 'presenceStatsReply', 'published', 'subscribed', 'unsubscribed', 'welcome'].sort(),
      );
      expect([...seen].filter((s) => s.startsWith('client ')).map((s) => s.slice(7)).sort()).toEqual(['echo', 'presence', 'presence_stats', 'publish', 'subscribe', 'unsubscribe']);
    });
  });
});
