import { render, screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { NOW, node } from '../test/fixtures';
import { NodesTable } from './NodesTable';

const rows = () => screen.getAllByTestId('node-row');
const cell = (row: HTMLElement, testId: string) => within(row).getByTestId(testId);

describe('NodesTable', () => {
  const nodes = [
    node('node-c', { status: 'gone', ready: false, lastSeen: NOW - 95_000, connections: 0 }),
    node('node-b', { lastSeen: NOW - 1_200, connections: 1234, messagesInPerSec: 12.34, messagesOutPerSec: 250, rpcPerSec: 40, rpcTimeoutsPerSec: 2.5 }),
    node('node-a', { self: true, lastSeen: NOW, startedAt: NOW - (2 * 3_600_000 + 5 * 60_000) }),
    node('node-d', { status: 'draining', draining: true, ready: false }),
    node('node-e', { status: undefined, ready: false }),
  ];

  it('lists live nodes by id, gone ones last, each with its state', () => {
    render(<NodesTable nodes={nodes} serverNow={NOW} answeredBy="node-a" colorOf={() => '#000'} />);
    expect(rows().map((row) => row.dataset.nodeId)).toEqual(['node-a', 'node-b', 'node-d', 'node-e', 'node-c']);
    expect(rows().map((row) => cell(row, 'node-status').textContent)).toEqual(['Ready', 'Ready', 'Draining', 'Not ready', 'Gone']);
  });

  it('formats counts, rates, uptime and heartbeat age', () => {
    render(<NodesTable nodes={nodes} serverNow={NOW} answeredBy="node-a" colorOf={() => '#000'} />);
    const [a, b] = rows();
    expect(cell(b!, 'node-connections').textContent).toBe(new Intl.NumberFormat().format(1234));
    expect(cell(b!, 'node-connections').dataset.value).toBe('1234');
    expect(cell(b!, 'node-messages-in').textContent).toBe(new Intl.NumberFormat(undefined, { maximumFractionDigits: 1 }).format(12.3));
    expect(cell(b!, 'node-messages-out').textContent).toBe('250');
    expect(cell(b!, 'node-heartbeat-age').textContent).toMatch(/^1[.,]2 s ago$/);
    expect(cell(a!, 'node-uptime').textContent).toBe('2 h 5 min');
    expect(within(a!).getByText('this node')).toBeTruthy();
  });

  it('shows RPC rates and flags timeouts; a node that does not report them shows a dash', () => {
    render(<NodesTable nodes={nodes} serverNow={NOW} answeredBy="node-a" colorOf={() => '#000'} />);
    const [a, b] = rows();
    expect(cell(b!, 'node-rpc').textContent).toBe('40');
    expect(cell(b!, 'node-rpc-timeouts').textContent).toBe(new Intl.NumberFormat(undefined, { maximumFractionDigits: 1 }).format(2.5));
    expect(cell(b!, 'node-rpc-timeouts').className).toContain('text-warn');
    expect(cell(a!, 'node-rpc').textContent).toBe('—');
    expect(cell(a!, 'node-rpc-timeouts').className).not.toContain('text-warn');
  });

  it('shows a gone node with when it was last heard, and no live numbers', () => {
    render(<NodesTable nodes={nodes} serverNow={NOW} answeredBy="node-a" colorOf={() => '#000'} />);
    const gone = rows().at(-1)!;
    expect(gone.dataset.status).toBe('gone');
    expect(gone.className).toContain('row-gone');
    expect(cell(gone, 'node-connections').textContent).toBe('—');
    expect(cell(gone, 'node-uptime').textContent).toBe('—');
    expect(cell(gone, 'node-heartbeat-age').textContent).toBe('1 min 35 s ago');
  });
});
