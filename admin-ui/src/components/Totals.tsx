import type { ReactNode } from 'react';
import type { ClusterOverview } from '../api/types';
import { formatInt, formatRate } from '../format';

interface Props {
  overview: ClusterOverview;
  channelCount: number | undefined;
}

interface StatProps {
  label: string;
  testId: string;
  value: number | string;
  display: ReactNode;
  sub?: ReactNode;
  tone?: 'ok' | 'bad';
  /** Beside the label, e.g. a health badge. */
  aside?: ReactNode;
}

function Stat({ label, testId, value, display, sub, tone, aside }: StatProps) {
  return (
    <div className={`stat${tone ? ` stat-${tone}` : ''}`}>
      <div className="stat-label">
        <span>{label}</span>
        {aside}
      </div>
      <div className="stat-value" data-testid={testId} data-value={value}>
        {display}
      </div>
      {sub !== undefined && <div className="stat-sub">{sub}</div>}
    </div>
  );
}

/** The cluster at a glance. */
export function Totals({ overview, channelCount }: Props) {
  const { transport } = overview;
  return (
    <section className="totals" aria-label="Cluster totals">
      <Stat
        label="Nodes up"
        testId="total-nodes-up"
        value={overview.nodes.up}
        display={formatInt(overview.nodes.up)}
        sub={
          <span data-testid="total-nodes-gone" data-value={overview.nodes.gone} className={overview.nodes.gone > 0 ? 'text-warn' : undefined}>
            {overview.nodes.gone > 0 ? `${formatInt(overview.nodes.gone)} gone recently` : 'none gone'}
          </span>
        }
      />
      <Stat label="Open connections" testId="total-connections" value={overview.connections} display={formatInt(overview.connections)} sub="WebSocket clients" />
      <Stat
        label="Messages in"
        testId="total-messages-in"
        value={overview.messagesInPerSec}
        display={
          <>
            {formatRate(overview.messagesInPerSec)}
            <span className="unit">/s</span>
          </>
        }
        sub="published"
      />
      <Stat
        label="Messages out"
        testId="total-messages-out"
        value={overview.messagesOutPerSec}
        display={
          <>
            {formatRate(overview.messagesOutPerSec)}
            <span className="unit">/s</span>
          </>
        }
        sub="delivered to clients"
      />
      <Stat
        label="Active channels"
        testId="total-channels"
        value={channelCount ?? ''}
        display={channelCount === undefined ? '—' : formatInt(channelCount)}
        sub="with subscribers"
      />
      <Stat
        label="Transport"
        testId="transport-status"
        value={transport.ready ? 'up' : 'down'}
        tone={transport.ready ? 'ok' : 'bad'}
        aside={<span className={`transport-state ${transport.ready ? 'ok' : 'bad'}`}>{transport.ready ? 'healthy' : 'down'}</span>}
        display={
          <span className="transport">
            <span className={`health-dot ${transport.ready ? 'ok' : 'bad'}`} aria-hidden="true" />
            <span className="ellipsis">{transport.kind}</span>
          </span>
        }
        sub={<span title={transport.detail}>{transport.detail}</span>}
      />
    </section>
  );
}
