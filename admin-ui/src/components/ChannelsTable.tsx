import { useMemo, useState } from 'react';
import type { ChannelSummary } from '../api/types';
import { formatInt, formatRate } from '../format';

export type ChannelSortKey = 'channel' | 'subscribers' | 'nodes' | 'messagesPerSec';
type Direction = 'asc' | 'desc';

export const TOP_N_CHOICES = [10, 25, 50, 100, 0] as const;

const COLUMNS: Array<{ key: ChannelSortKey; label: string; numeric: boolean }> = [
  { key: 'channel', label: 'Channel', numeric: false },
  { key: 'subscribers', label: 'Subscribers', numeric: true },
  { key: 'nodes', label: 'Nodes', numeric: true },
  { key: 'messagesPerSec', label: 'Messages/s', numeric: true },
];

const rate = (channel: ChannelSummary) => channel.messagesPerSec ?? 0;

function compare(key: ChannelSortKey, a: ChannelSummary, b: ChannelSummary): number {
  switch (key) {
    case 'channel':
      return a.channel.localeCompare(b.channel);
    case 'messagesPerSec':
      return rate(a) - rate(b);
    default:
      return a[key] - b[key];
  }
}

/** Filters (substring, case-insensitive), sorts (ties: busiest first, then by name) and cuts to the top N (0: all). */
export function selectChannels(channels: readonly ChannelSummary[], filter: string, sortKey: ChannelSortKey, direction: Direction, limit: number) {
  const needle = filter.trim().toLowerCase();
  const matching = needle ? channels.filter((c) => c.channel.toLowerCase().includes(needle)) : [...channels];
  const sign = direction === 'asc' ? 1 : -1;
  matching.sort(
    (a, b) => sign * compare(sortKey, a, b) || rate(b) - rate(a) || b.subscribers - a.subscribers || a.channel.localeCompare(b.channel),
  );
  return { matching: matching.length, rows: limit > 0 ? matching.slice(0, limit) : matching };
}

interface Props {
  channels: ChannelSummary[];
}

/** Channels with subscribers anywhere in the cluster; busiest first by default. */
export function ChannelsTable({ channels }: Props) {
  const [filter, setFilter] = useState('');
  const [sortKey, setSortKey] = useState<ChannelSortKey>('messagesPerSec');
  const [direction, setDirection] = useState<Direction>('desc');
  const [limit, setLimit] = useState(25);
  const { matching, rows } = useMemo(() => selectChannels(channels, filter, sortKey, direction, limit), [channels, filter, sortKey, direction, limit]);
  const busiest = Math.max(0, ...channels.map(rate));

  const sortBy = (key: ChannelSortKey) => {
    if (key === sortKey) setDirection(direction === 'asc' ? 'desc' : 'asc');
    else {
      setSortKey(key);
      setDirection(key === 'channel' ? 'asc' : 'desc');
    }
  };

  return (
    <section className="panel" aria-labelledby="channels-title">
      <div className="panel-head">
        <h2 id="channels-title" className="panel-title">
          Channels
        </h2>
        <span className="panel-note" data-testid="channels-summary">
          {channels.length === 0
            ? 'no active channels'
            : `showing ${formatInt(rows.length)} of ${formatInt(matching)}${filter.trim() ? ` matching (${formatInt(channels.length)} total)` : ''}`}
        </span>
        <div className="controls">
          <input
            type="search"
            className="input"
            placeholder="Filter channels…"
            aria-label="Filter channels"
            data-testid="channel-filter"
            value={filter}
            onChange={(event) => setFilter(event.target.value)}
          />
          <label className="select-label">
            Top
            <select className="input" aria-label="How many channels to show" data-testid="channel-limit" value={limit} onChange={(event) => setLimit(Number(event.target.value))}>
              {TOP_N_CHOICES.map((n) => (
                <option key={n} value={n}>
                  {n === 0 ? 'all' : n}
                </option>
              ))}
            </select>
          </label>
        </div>
      </div>
      {channels.length === 0 ? (
        <div className="empty" data-testid="channels-empty">
          No channel has subscribers right now. Channels appear here as soon as a client subscribes on any node.
        </div>
      ) : (
        <div className="table-wrap">
          <table className="table" data-testid="channels-table">
            <thead>
              <tr>
                {COLUMNS.map((column) => (
                  <th
                    key={column.key}
                    scope="col"
                    className={column.numeric ? 'num' : undefined}
                    aria-sort={sortKey === column.key ? (direction === 'asc' ? 'ascending' : 'descending') : 'none'}
                  >
                    <button type="button" className="sort" data-testid={`sort-${column.key}`} onClick={() => sortBy(column.key)}>
                      {column.label}
                      <span className="sort-arrow" aria-hidden="true">
                        {sortKey === column.key ? (direction === 'asc' ? '▲' : '▼') : '↕'}
                      </span>
                    </button>
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {rows.length === 0 ? (
                <tr>
                  <td colSpan={COLUMNS.length} className="empty" data-testid="channels-no-match">
                    No channel matches “{filter.trim()}”.
                  </td>
                </tr>
              ) : (
                rows.map((channel) => (
                  <tr key={channel.channel} data-testid="channel-row" data-channel={channel.channel}>
                    <th scope="row" className="mono ellipsis channel-name" title={channel.channel}>
                      {channel.channel}
                    </th>
                    <td className="num" data-testid="channel-subscribers" data-value={channel.subscribers}>
                      {formatInt(channel.subscribers)}
                    </td>
                    <td className="num" data-testid="channel-nodes" data-value={channel.nodes}>
                      {formatInt(channel.nodes)}
                    </td>
                    <td className="num rate-cell" data-testid="channel-rate" data-value={rate(channel)}>
                      <span className="rate-bar" style={{ width: `${busiest > 0 ? (rate(channel) / busiest) * 100 : 0}%` }} aria-hidden="true" />
                      <span className="rate-value">{formatRate(rate(channel))}</span>
                    </td>
                  </tr>
                ))
              )}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
