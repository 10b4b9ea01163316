import type { ClusterNode } from '../api/types';
import { nodeStatus } from '../api/types';
import { formatAge, formatDuration, formatInt, formatRate } from '../format';
import { StatusBadge } from './StatusBadge';

interface Props {
  nodes: ClusterNode[];
  /** Best estimate of the answering node's clock now (ms), for ages and uptimes. */
  serverNow: number;
  /** Id of the node that answered the dashboard. */
  answeredBy?: string;
  colorOf: (id: string) => string;
}

/** Every node the answering node knows, gone ones last. */
export function NodesTable({ nodes, serverNow, answeredBy, colorOf }: Props) {
  const sorted = [...nodes].sort((a, b) => Number(nodeStatus(a) === 'gone') - Number(nodeStatus(b) === 'gone') || a.id.localeCompare(b.id));
  return (
    <section className="panel" aria-labelledby="nodes-title">
      <div className="panel-head">
        <h2 id="nodes-title" className="panel-title">
          Nodes
        </h2>
        <span className="panel-note">{formatInt(nodes.length)} listed · gone nodes stay for 5 minutes</span>
      </div>
      <div className="table-wrap">
        <table className="table" data-testid="nodes-table">
          <thead>
            <tr>
              <th scope="col">Node</th>
              <th scope="col">Status</th>
              <th scope="col">Address</th>
              <th scope="col">Version</th>
              <th scope="col" className="num">
                Uptime
              </th>
              <th scope="col" className="num">
                Connections
              </th>
              <th scope="col" className="num">
                Subscriptions
              </th>
              <th scope="col" className="num">
                In msg/s
              </th>
              <th scope="col" className="num">
                Out msg/s
              </th>
              <th scope="col" className="num" title="Client requests to back-end workers answered per second">
                RPC/s
              </th>
              <th scope="col" className="num" title="RPC requests that got no reply within RPC_TIMEOUT_MS, per second">
                RPC timeouts/s
              </th>
              <th scope="col" className="num" title="Time since the answering node last heard from it">
                Heartbeat
              </th>
            </tr>
          </thead>
          <tbody>
            {sorted.map((node) => {
              const status = nodeStatus(node);
              const gone = status === 'gone';
              const age = serverNow - node.lastSeen;
              const stale = !gone && !node.self && age > 5_000;
              return (
                <tr key={node.id} data-testid="node-row" data-node-id={node.id} data-status={status} className={gone ? 'row-gone' : undefined}>
                  <th scope="row">
                    <div className="node-id">
                      <span className="swatch" style={{ background: colorOf(node.id) }} aria-hidden="true" />
                      <span className="mono ellipsis" title={node.id}>
                        {node.id}
                      </span>
                      {node.id === answeredBy && (
                        <span className="tag" title="The node answering this dashboard">
                          this node
                        </span>
                      )}
                    </div>
                  </th>
                  <td>
                    <StatusBadge status={status} />
                  </td>
                  <td className="mono ellipsis" title={node.address}>
                    {node.address}
                  </td>
                  <td className="mono">{node.version}</td>
                  <td className="num" data-testid="node-uptime">
                    {gone ? '—' : formatDuration(serverNow - node.startedAt)}
                  </td>
                  <td className="num" data-testid="node-connections" data-value={node.connections}>
                    {gone ? '—' : formatInt(node.connections)}
                  </td>
                  <td className="num" data-testid="node-subscriptions" data-value={node.subscriptions}>
                    {gone ? '—' : formatInt(node.subscriptions)}
                  </td>
                  <td className="num" data-testid="node-messages-in" data-value={node.messagesInPerSec}>
                    {gone ? '—' : formatRate(node.messagesInPerSec)}
                  </td>
                  <td className="num" data-testid="node-messages-out" data-value={node.messagesOutPerSec}>
                    {gone ? '—' : formatRate(node.messagesOutPerSec)}
                  </td>
                  <td className="num" data-testid="node-rpc" data-value={node.rpcPerSec ?? 0}>
                    {gone || node.rpcPerSec === undefined ? '—' : formatRate(node.rpcPerSec)}
                  </td>
                  <td
                    className={`num${(node.rpcTimeoutsPerSec ?? 0) > 0 && !gone ? ' text-warn' : ''}`}
                    data-testid="node-rpc-timeouts"
                    data-value={node.rpcTimeoutsPerSec ?? 0}
                  >
                    {gone || node.rpcTimeoutsPerSec === undefined ? '—' : formatRate(node.rpcTimeoutsPerSec)}
                  </td>
                  <td className={`num${stale ? ' text-warn' : ''}`} data-testid="node-heartbeat-age" data-value={Math.max(0, Math.round(age))}>
                    {node.self ? 'now' : formatAge(age)}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </section>
  );
}
