import { describe, expect, it } from 'vitest';
import { agentReply, agentWeight, type NodeState } from './agent-reply.js';

const idle: NodeState = {
  draining: false,
  transportReady: true,
  connections: 0,
  maxConnections: 1000,
  eventLoopLagMs: 0,
  eventLoopLagLimitMs: 1000,
};

describe('agentWeight', () => {
  it('is 100% for an idle node and falls with the share of MAX_CONNECTIONS in use', () => {
    expect(agentWeight(idle)).toBe(100);
    expect(agentWeight({ ...idle, connections: 270 })).toBe(73);
    expect(agentWeight({ ...idle, connections: 999 })).toBe(1);
  });

  it('is 0 only when the node is full', () => {
    expect(agentWeight({ ...idle, connections: 1000 })).toBe(0);
    expect(agentWeight({ ...idle, connections: 1200 })).toBe(0);
  });

  it('falls with event-loop delay, whichever load is higher wins', () => {
    expect(agentWeight({ ...idle, eventLoopLagMs: 500 })).toBe(50);
    expect(agentWeight({ ...idle, eventLoopLagMs: 500, connections: 800 })).toBe(20);
    expect(agentWeight({ ...idle, eventLoopLagMs: 5000 })).toBe(1);
  });

  it('ignores connections when there is no cap', () => {
    expect(agentWeight({ ...idle, maxConnections: 0, connections: 50_000 })).toBe(100);
  });
});

describe('agentReply', () => {
  it('answers one line HAProxy understands', () => {
    expect(agentReply({ ...idle, connections: 270 })).toBe('ready up 73%\n');
    expect(agentReply({ ...idle, draining: true })).toBe('drain\n');
    expect(agentReply({ ...idle, transportReady: false })).toBe('down #transport not ready\n');
  });

  it('prefers drain over down: a draining node stays out even when its bus comes back', () => {
    expect(agentReply({ ...idle, draining: true, transportReady: false })).toBe('drain\n');
  });
});
