import type { NodeStatus } from '../api/types';

const LABELS: Record<NodeStatus, string> = {
  ready: 'Ready',
  'not-ready': 'Not ready',
  draining: 'Draining',
  gone: 'Gone',
};

const HINTS: Record<NodeStatus, string> = {
  ready: 'Taking clients; its transport is up',
  'not-ready': 'Up, but not taking clients (its transport is down)',
  draining: 'Shutting down: refuses new connections, finishing the open ones',
  gone: 'Left the cluster or stopped sending heartbeats',
};

export function StatusBadge({ status }: { status: NodeStatus }) {
  return (
    <span className={`badge badge-${status}`} data-testid="node-status" data-status={status} title={HINTS[status]}>
      <span className="badge-dot" aria-hidden="true" />
      {LABELS[status]}
    </span>
  );
}
