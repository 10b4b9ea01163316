import { type Query, useQuery } from '@tanstack/react-query';
import { getJson, isUnauthorized } from './client';
import type { ChannelSummary, ClusterNode, ClusterOverview } from './types';

/** How often the dashboard polls. React Query pauses the polls while the tab is hidden. */
export const REFRESH_MS = 2000;

/** Poll every REFRESH_MS, except after a 401: the login form takes over then. */
const refetchInterval = (query: Query<any, any, any, any>) => (isUnauthorized(query.state.error) ? false : REFRESH_MS);

const pollOptions = {
  refetchInterval,
  refetchIntervalInBackground: false,
  refetchOnWindowFocus: true,
  // A failed poll is retried once quickly; the next interval tries again anyway. Never retry a 401.
  retry: (failures: number, error: unknown) => !isUnauthorized(error) && failures < 1,
  retryDelay: 500,
} as const;

export function useClusterData(token: string | null) {
  const overview = useQuery({
    queryKey: ['overview', token],
    queryFn: ({ signal }) => getJson<ClusterOverview>('/api/overview', token, signal),
    ...pollOptions,
  });
  const nodes = useQuery({
    queryKey: ['nodes', token],
    queryFn: ({ signal }) => getJson<ClusterNode[]>('/api/nodes', token, signal),
    ...pollOptions,
  });
  const channels = useQuery({
    queryKey: ['channels', token],
    queryFn: ({ signal }) => getJson<ChannelSummary[]>('/api/channels', token, signal),
    ...pollOptions,
  });
  return { overview, nodes, channels };
}
