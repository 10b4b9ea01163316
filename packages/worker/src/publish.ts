/**
 * Pushes to clients through a gateway's HTTP API (`POST /api/publish`): to a channel, or
 * to one user on the reserved channel `user:<id>` (clients subscribe to their own). Any
 * node of the cluster will do; the message reaches subscribers on every node.
 */
export async function publish(gatewayUrl: string, channel: string, payload: unknown, options: { apiKey?: string } = {}): Promise<void> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (options.apiKey) headers.authorization = `Bearer ${options.apiKey}`;
  const response = await fetch(new URL('/api/publish', gatewayUrl), { method: 'POST', headers, body: JSON.stringify({ channel, payload }) });
  if (!response.ok) throw new Error(`publish to ${channel} failed: HTTP ${response.status} ${await response.text()}`);
}

export const userChannel = (userId: string): string => `user:${userId}`;
