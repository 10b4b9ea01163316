import { type ReactNode, useEffect, useMemo, useRef, useState } from 'react';
import { describeError } from './api/client';
import { REFRESH_MS, type useClusterData } from './api/queries';
import { nodeStatus } from './api/types';
import { nodeColor } from './colors';
import { Banner } from './components/Banner';
import { ChannelsTable } from './components/ChannelsTable';
import { NodesTable } from './components/NodesTable';
import { TimeSeriesChart } from './components/TimeSeriesChart';
import { Totals } from './components/Totals';
import { formatAge, formatClock, formatInt, formatRate } from './format';
import { type Metric, NodeHistory } from './history/node-history';
import { useNow } from './hooks';

interface Props {
  data: ReturnType<typeof useClusterData>;
  /** Present when the dashboard is behind a token. */
  onLogout?: () => void;
}

const CHARTS: Array<{ metric: Metric; title: string; format: (value: number) => string; testId: string }> = [
  { metric: 'connections', title: 'Connections per node', format: formatInt, testId: 'chart-connections' },
  { metric: 'messagesInPerSec', title: 'Messages in per second, per node', format: formatRate, testId: 'chart-messages-in' },
  { metric: 'messagesOutPerSec', title: 'Messages out per second, per node', format: formatRate, testId: 'chart-messages-out' },
];

export function Dashboard({ data, onLogout }: Props) {
  const { overview, nodes, channels } = data;
  const now = useNow(1000);

  // The API only knows "now": the charts' history is kept here, one sample per poll.
  const history = useRef(new NodeHistory()).current;
  const [historyVersion, setHistoryVersion] = useState(0);
  useEffect(() => {
    if (nodes.data && history.add(nodes.dataUpdatedAt, nodes.data)) setHistoryVersion((v) => v + 1);
  }, [history, nodes.data, nodes.dataUpdatedAt]);
  const charts = useMemo(() => {
    const ids = history.nodeIds();
    const series = ids.map((id) => ({ label: id, color: nodeColor(history.colorIndex(id)) }));
    return CHARTS.map((chart) => ({ ...chart, series, data: history.chartData(chart.metric, ids) }));
    // `history` is mutable: historyVersion is what changes when it does.
  }, [history, historyVersion]);

  const queries = [overview, nodes, channels];
  const failing = queries.find((query) => query.isError);
  const lastUpdated = Math.max(...queries.map((query) => query.dataUpdatedAt));

  if (!overview.data && !failing) {
    return (
      <Shell onLogout={onLogout} status={<span className="live live-pending">Connecting…</span>}>
        <div className="loading" data-testid="loading" aria-busy="true">
          <div className="spinner" aria-hidden="true" />
          Loading the cluster view…
        </div>
      </Shell>
    );
  }

  if (!overview.data) {
    return (
      <Shell onLogout={onLogout} status={<span className="live live-error">Unreachable</span>}>
        <div className="error-state panel" data-testid="error-state" role="alert">
          <h2>Cannot load the cluster view</h2>
          <p>
            The node serving this dashboard did not answer the admin API: <span className="mono">{describeError(failing?.error)}</span>
          </p>
          <p className="muted">Retrying every {REFRESH_MS / 1000} s.</p>
          <button type="button" className="button" onClick={() => queries.forEach((query) => void query.refetch())}>
            Retry now
          </button>
        </div>
      </Shell>
    );
  }

  const ov = overview.data;
  const self = nodes.data?.find((node) => node.self);
  // Ages come from the answering node's own clock (its `lastSeen` for itself is its "now"),
  // advanced by the time since that poll: the browser's clock may be off.
  const serverNow = self ? self.lastSeen + (now - nodes.dataUpdatedAt) : now;
  const colorOf = (id: string) => nodeColor(history.colorIndex(id));
  const goneCount = nodes.data?.filter((node) => nodeStatus(node) === 'gone').length ?? 0;

  const status = failing ? (
    <span className="live live-error" data-testid="live-status" data-state="error">
      Connection lost · last data {formatClock(lastUpdated)}
    </span>
  ) : (
    <span className="live live-ok" data-testid="live-status" data-state="live" title={`Refreshes every ${REFRESH_MS / 1000} s while this tab is visible`}>
      Live · updated {formatAge(now - lastUpdated)}
    </span>
  );

  return (
    <Shell onLogout={onLogout} status={status} answeredBy={ov.node}>
      <div className="banners">
        {failing && (
          <Banner tone="danger" title="Lost contact with the admin API." testId="error-banner">
            {describeError(failing.error)}. Showing data from {formatClock(lastUpdated)}; retrying every {REFRESH_MS / 1000} s.
          </Banner>
        )}
        {!ov.transport.ready && (
          <Banner tone="danger" title={`Transport down on ${ov.node}.`} testId="transport-banner">
            Its {ov.transport.kind} transport reports “{ov.transport.detail}”. This node cannot reach its peers: cross-node messages are not
            delivered and the cluster view below may be stale or show peers as gone.
          </Banner>
        )}
        {!ov.adminProtected && (
          <Banner tone="warning" title="Unprotected." testId="unprotected-notice">
            ADMIN_TOKEN is not set, so anyone who can reach this node can open this dashboard and its API. Set ADMIN_TOKEN on every node to
            require a token.
          </Banner>
        )}
        {goneCount > 0 && !failing && (
          <Banner tone="info" title={`${formatInt(goneCount)} node${goneCount === 1 ? '' : 's'} left the cluster recently.`} testId="gone-notice">
            They are listed as gone for 5 minutes.
          </Banner>
        )}
      </div>

      <Totals overview={ov} channelCount={channels.data?.length} />

      <section className="charts" aria-label="Traffic over the last 10 minutes">
        {charts.map((chart) => (
          <TimeSeriesChart key={chart.metric} title={chart.title} testId={chart.testId} data={chart.data} series={chart.series} format={chart.format} />
        ))}
      </section>

      {nodes.data ? (
        <NodesTable nodes={nodes.data} serverNow={serverNow} answeredBy={ov.node} colorOf={colorOf} />
      ) : (
        <div className="panel loading" data-testid="nodes-loading">
          {nodes.isError ? `Nodes unavailable: ${describeError(nodes.error)}` : 'Loading nodes…'}
        </div>
      )}

      {channels.data ? (
        <ChannelsTable channels={channels.data} />
      ) : (
        <div className="panel loading" data-testid="channels-loading">
          {channels.isError ? `Channels unavailable: ${describeError(channels.error)}` : 'Loading channels…'}
        </div>
      )}

      <footer className="footer muted">
        Refreshes every {REFRESH_MS / 1000} s while this tab is visible; charts keep the last 10 minutes seen by this tab. The admin API
        carries counts only, never message payloads.
      </footer>
    </Shell>
  );
}

function Shell({ children, status, answeredBy, onLogout }: { children: ReactNode; status: ReactNode; answeredBy?: string; onLogout?: () => void }) {
  return (
    <div className="app">
      <header className="topbar">
        <div className="brand">
          <img src={`${import.meta.env.BASE_URL}favicon.svg`} alt="" width={22} height={22} />
          <span>Switchboard</span>
          <span className="brand-sub">Cluster admin</span>
        </div>
        <div className="topbar-right">
          {answeredBy && (
            <span className="muted" data-testid="answered-by">
              view from <span className="mono">{answeredBy}</span>
            </span>
          )}
          {status}
          {onLogout && (
            <button type="button" className="button button-ghost" onClick={onLogout} data-testid="logout">
              Log out
            </button>
          )}
        </div>
      </header>
      <main className="content">{children}</main>
    </div>
  );
}
