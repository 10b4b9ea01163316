import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ChannelSummary, ClusterNode, ClusterOverview } from './api/types';
import { channel, node, overview } from './test/fixtures';

// jsdom has no canvas: the charts get a stand-in plot (TimeSeriesChart.test.tsx covers them).
vi.mock('uplot', () => ({
  default: class {
    static rangeNum = (min: number, max: number) => [min, max];
    width = 300;
    setData() {}
    setSize() {}
    destroy() {}
  },
}));

const { App } = await import('./App');

interface FakeNode {
  token?: string;
  overview: ClusterOverview;
  nodes: ClusterNode[];
  channels: ChannelSummary[];
  down: boolean;
  requests: Array<{ path: string; authorization?: string }>;
}

/** A stand-in for the node's admin API behind `fetch`. */
function fakeNode(options: Partial<FakeNode> = {}): FakeNode {
  const state: FakeNode = {
    overview: overview({ adminProtected: options.token !== undefined }),
    nodes: [node('node-a', { self: true, connections: 12 }), node('node-b', { connections: 8 })],
    channels: [channel('orders.eu', 3, 5, 2)],
    down: false,
    requests: [],
    ...options,
  };
  vi.stubGlobal(
    'fetch',
    vi.fn(async (path: string, init?: RequestInit) => {
      const authorization = (init?.headers as Record<string, string> | undefined)?.authorization;
      state.requests.push({ path, authorization });
      if (state.down) throw new TypeError('Failed to fetch');
      const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
      if (state.token !== undefined && authorization !== `Bearer ${state.token}`) {
        return json(401, { statusCode: 401, code: 'UNAUTHORIZED', message: 'missing or invalid admin token' });
      }
      if (path === '/api/overview') return json(200, state.overview);
      if (path === '/api/nodes') return json(200, state.nodes);
      if (path === '/api/channels') return json(200, state.channels);
      return json(404, { statusCode: 404, message: 'not found' });
    }),
  );
  return state;
}

function renderApp() {
  const client = new QueryClient();
  render(
    <QueryClientProvider client={client}>
      <App />
    </QueryClientProvider>,
  );
  return client;
}

describe('the dashboard', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
  });

  it('shows a loading state, then totals, nodes and channels', async () => {
    fakeNode();
    renderApp();
    expect(screen.getByTestId('loading')).toBeTruthy();
    expect((await screen.findByTestId('total-connections')).dataset.value).toBe('20');
    expect(screen.getByTestId('total-nodes-up').textContent).toBe('2');
    expect(screen.getByTestId('transport-status').textContent).toContain('redis');
    expect((await screen.findAllByTestId('node-row')).map((row) => row.dataset.nodeId)).toEqual(['node-a', 'node-b']);
    const row = (await screen.findAllByTestId('channel-row'))[0]!;
    expect(within(row).getByTestId('channel-subscribers').textContent).toBe('3');
    expect(screen.getByTestId('answered-by').textContent).toContain('node-a');
    expect(screen.queryByTestId('login-form')).toBeNull();
    expect(screen.queryByTestId('transport-banner')).toBeNull();
  });

  it('says when the admin API is unprotected', async () => {
    fakeNode();
    renderApp();
    expect((await screen.findByTestId('unprotected-notice')).textContent).toContain('ADMIN_TOKEN is not set');
    expect(screen.queryByTestId('logout')).toBeNull();
  });

  it('warns clearly when the answering node lost its transport', async () => {
    fakeNode({ overview: overview({ transport: { kind: 'redis', ready: false, detail: 'reconnecting to redis://10.0.0.5:6379' } }) });
    renderApp();
    const banner = await screen.findByTestId('transport-banner');
    expect(banner.getAttribute('role')).toBe('alert');
    expect(banner.textContent).toContain('Transport down on node-a');
    expect(banner.textContent).toContain('reconnecting to redis://10.0.0.5:6379');
    expect(screen.getByTestId('transport-status').dataset.value).toBe('down');
  });

  it('notes nodes that left the cluster', async () => {
    fakeNode({ nodes: [node('node-a', { self: true }), node('node-b', { status: 'gone' })] });
    renderApp();
    expect((await screen.findByTestId('gone-notice')).textContent).toContain('1 node left the cluster recently');
  });

  it('shows an empty state when no channel has subscribers', async () => {
    fakeNode({ channels: [] });
    renderApp();
    expect((await screen.findByTestId('channels-empty')).textContent).toContain('No channel has subscribers');
  });

  it('shows an error state when the node cannot be reached, and recovers on retry', async () => {
    const server = fakeNode({ down: true });
    renderApp();
    const error = await screen.findByTestId('error-state', {}, { timeout: 3000 });
    expect(error.textContent).toContain('did not answer');
    server.down = false;
    await userEvent.click(within(error).getByRole('button', { name: 'Retry now' }));
    expect(await screen.findByTestId('total-connections')).toBeTruthy();
  });

  it('polls every 2 s while the tab is visible, and pauses while it is hidden', async () => {
    const server = fakeNode();
    renderApp();
    await screen.findAllByTestId('node-row');
    const polls = () => server.requests.filter((request) => request.path === '/api/nodes').length;
    const setVisibility = (state: 'hidden' | 'visible') => {
      Object.defineProperty(document, 'visibilityState', { value: state, configurable: true });
      document.dispatchEvent(new Event('visibilitychange'));
    };
    const first = polls();
    await waitFor(() => expect(polls()).toBe(first + 1), { timeout: 2600 });
    try {
      setVisibility('hidden');
      const hidden = polls();
      await new Promise((resolve) => setTimeout(resolve, 2600));
      expect(polls()).toBe(hidden);
      setVisibility('visible');
      await waitFor(() => expect(polls()).toBeGreaterThan(hidden), { timeout: 2600 });
    } finally {
      setVisibility('visible');
    }
  }, 12_000);

  it('keeps the last data and shows a banner when polls start failing', async () => {
    const server = fakeNode();
    renderApp();
    await screen.findAllByTestId('node-row');
    server.down = true;
    const banner = await screen.findByTestId('error-banner', {}, { timeout: 6000 });
    expect(banner.textContent).toContain('Lost contact');
    expect(screen.getAllByTestId('node-row')).toHaveLength(2);
    expect(screen.getByTestId('live-status').dataset.state).toBe('error');
  }, 10_000);
});

describe('the token gate', () => {
  beforeEach(() => sessionStorage.clear());
  afterEach(() => vi.unstubAllGlobals());

  it('asks for the token, rejects a wrong one, accepts the right one and keeps it for the session', async () => {
    const user = userEvent.setup();
    const server = fakeNode({ token: 's3cret' });
    renderApp();
    await screen.findByTestId('login-form');
    expect(screen.queryByTestId('total-connections')).toBeNull();

    await user.type(screen.getByTestId('login-token'), 'guess');
    await user.click(screen.getByTestId('login-submit'));
    expect((await screen.findByTestId('login-error')).textContent).toContain('rejected');
    expect(sessionStorage.getItem('switchboard.adminToken')).toBeNull();

    await user.clear(screen.getByTestId('login-token'));
    await user.type(screen.getByTestId('login-token'), 's3cret');
    await user.click(screen.getByTestId('login-submit'));
    expect(await screen.findByTestId('total-connections')).toBeTruthy();
    expect(screen.queryByTestId('login-form')).toBeNull();
    expect(screen.queryByTestId('unprotected-notice')).toBeNull();
    expect(sessionStorage.getItem('switchboard.adminToken')).toBe('s3cret');
    await screen.findAllByTestId('node-row');
    expect(server.requests.filter((r) => r.path === '/api/nodes').at(-1)?.authorization).toBe('Bearer s3cret');
  });

  it('requires a token before checking it', async () => {
    const user = userEvent.setup();
    const server = fakeNode({ token: 's3cret' });
    renderApp();
    await screen.findByTestId('login-form');
    const before = server.requests.length;
    await user.click(screen.getByTestId('login-submit'));
    expect(screen.getByTestId('login-error').textContent).toBe('Enter the admin token.');
    expect(server.requests.length).toBe(before);
  });

  it('uses the token kept in this tab, and logging out forgets it', async () => {
    const user = userEvent.setup();
    sessionStorage.setItem('switchboard.adminToken', 's3cret');
    fakeNode({ token: 's3cret' });
    renderApp();
    expect(await screen.findByTestId('total-connections')).toBeTruthy();
    await user.click(screen.getByTestId('logout'));
    expect(await screen.findByTestId('login-form')).toBeTruthy();
    expect(sessionStorage.getItem('switchboard.adminToken')).toBeNull();
  });

  it('asks again when the kept token stops working', async () => {
    sessionStorage.setItem('switchboard.adminToken', 'old');
    fakeNode({ token: 'new' });
    renderApp();
    expect((await screen.findByTestId('login-form')).textContent).toContain('no longer accepted');
  });
});
