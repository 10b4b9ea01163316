import { describe, expect, it } from 'vitest';
import { node } from '../test/fixtures';
import { NodeHistory } from './node-history';

describe('NodeHistory', () => {
  it('turns polls into aligned per-node series, in seconds, with nulls where a node had no value', () => {
    const history = new NodeHistory();
    history.add(1_000, [node('a', { connections: 1 })]);
    history.add(3_000, [node('a', { connections: 2 }), node('b', { connections: 5 })]);
    history.add(5_000, [node('a', { connections: 3 }), node('b', { connections: 7, status: 'gone' })]);
    expect(history.nodeIds()).toEqual(['a', 'b']);
    expect(history.chartData('connections')).toEqual([
      [1, 3, 5],
      [1, 2, 3],
      [null, 5, null],
    ]);
  });

  it('ignores a poll that is not newer than the last one (React strict mode, cached data)', () => {
    const history = new NodeHistory();
    expect(history.add(1_000, [node('a')])).toBe(true);
    expect(history.add(1_000, [node('a')])).toBe(false);
    expect(history.add(900, [node('a')])).toBe(false);
    expect(history.size).toBe(1);
  });

  it('keeps only the window, and forgets nodes with no value left in it', () => {
    const history = new NodeHistory(10_000);
    history.add(0, [node('old')]);
    for (let t = 2_000; t <= 14_000; t += 2_000) history.add(t, [node('a')]);
    expect(history.chartData('connections')[0][0]).toBe(4);
    expect(history.nodeIds()).toEqual(['a']);
    // colours stay with the node even after others leave the window
    expect(history.colorIndex('a')).toBe(1);
  });

  it('breaks the lines across a pause instead of bridging it', () => {
    const history = new NodeHistory(600_000, 5_000);
    history.add(1_000, [node('a', { messagesInPerSec: 4 })]);
    history.add(60_000, [node('a', { messagesInPerSec: 6 })]);
    expect(history.chartData('messagesInPerSec')).toEqual([
      [1, 1.001, 60],
      [4, null, 6],
    ]);
  });

  it('sums a metric over the nodes', () => {
    const history = new NodeHistory();
    history.add(1_000, [node('a', { messagesOutPerSec: 2 }), node('b', { messagesOutPerSec: 3.5 })]);
    expect(history.total('messagesOutPerSec')).toEqual([{ t: 1_000, value: 5.5 }]);
  });
});
