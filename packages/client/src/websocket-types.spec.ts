import { describe, expect, it } from 'vitest';
import { WebSocket as WsWebSocket } from 'ws';
import { Switchboard } from './switchboard.js';

/** The `WebSocket` option takes the implementations people have, as they are typed: no casts. */
describe('WebSocket implementations', () => {
  it("accepts the platform's WebSocket and the ws package's, type and all", () => {
    const withGlobal = new Switchboard('ws://localhost:1/ws', { WebSocket: globalThis.WebSocket, autoConnect: false });
    const withWs = new Switchboard('ws://localhost:1/ws', { WebSocket: WsWebSocket, autoConnect: false });
    expect([withGlobal.state, withWs.state]).toEqual(['disconnected', 'disconnected']);
  });
});
