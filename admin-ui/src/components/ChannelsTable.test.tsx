import { fireEvent, render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { channel } from '../test/fixtures';
import { ChannelsTable, selectChannels } from './ChannelsTable';

const names = () => screen.getAllByTestId('channel-row').map((row) => row.dataset.channel);

describe('ChannelsTable', () => {
  const channels = [channel('orders.eu', 3, 5, 2), channel('alerts', 40, 0.5), channel('orders.us', 1, 120), channel('chat.lobby', 7, 5)];

  it('lists the busiest channels first, with subscribers and nodes', () => {
    render(<ChannelsTable channels={channels} />);
    expect(names()).toEqual(['orders.us', 'chat.lobby', 'orders.eu', 'alerts']);
    const eu = screen.getAllByTestId('channel-row')[2]!;
    expect(within(eu).getByTestId('channel-subscribers').textContent).toBe('3');
    expect(within(eu).getByTestId('channel-nodes').textContent).toBe('2');
  });

  it('sorts by a column, toggling the direction on a second click', async () => {
    const user = userEvent.setup();
    render(<ChannelsTable channels={channels} />);
    await user.click(screen.getByTestId('sort-subscribers'));
    expect(names()).toEqual(['alerts', 'chat.lobby', 'orders.eu', 'orders.us']);
    expect(screen.getByTestId('sort-subscribers').closest('th')!.getAttribute('aria-sort')).toBe('descending');
    await user.click(screen.getByTestId('sort-subscribers'));
    expect(names()).toEqual(['orders.us', 'orders.eu', 'chat.lobby', 'alerts']);
    await user.click(screen.getByTestId('sort-channel'));
    expect(names()).toEqual(['alerts', 'chat.lobby', 'orders.eu', 'orders.us']);
  });

  it('filters by a case-insensitive substring and says when nothing matches', async () => {
    const user = userEvent.setup();
    render(<ChannelsTable channels={channels} />);
    await user.type(screen.getByTestId('channel-filter'), 'ORDERS');
    expect(names()).toEqual(['orders.us', 'orders.eu']);
    expect(screen.getByTestId('channels-summary').textContent).toBe('showing 2 of 2 matching (4 total)');
    await user.clear(screen.getByTestId('channel-filter'));
    await user.type(screen.getByTestId('channel-filter'), 'nope');
    expect(screen.queryAllByTestId('channel-row')).toHaveLength(0);
    expect(screen.getByTestId('channels-no-match').textContent).toContain('nope');
  });

  it('shows only the top N by traffic', () => {
    const many = Array.from({ length: 30 }, (_, i) => channel(`ch-${String(i).padStart(2, '0')}`, 1, i));
    render(<ChannelsTable channels={many} />);
    expect(names()).toHaveLength(25);
    expect(names()[0]).toBe('ch-29');
    fireEvent.change(screen.getByTestId('channel-limit'), { target: { value: '10' } });
    expect(names()).toHaveLength(10);
    expect(names().at(-1)).toBe('ch-20');
    fireEvent.change(screen.getByTestId('channel-limit'), { target: { value: '0' } });
    expect(names()).toHaveLength(30);
    expect(screen.getByTestId('channels-summary').textContent).toBe('showing 30 of 30');
  });

  it('has an empty state', () => {
    render(<ChannelsTable channels={[]} />);
    expect(screen.getByTestId('channels-empty').textContent).toMatch(/No channel has subscribers/);
    expect(screen.queryByTestId('channels-table')).toBeNull();
  });

  it('breaks ties by traffic, then subscribers, then name', () => {
    const { rows } = selectChannels([channel('b', 1, 0), channel('a', 1, 0), channel('c', 2, 0)], '', 'nodes', 'desc', 0);
    expect(rows.map((c) => c.channel)).toEqual(['c', 'a', 'b']);
  });
});
