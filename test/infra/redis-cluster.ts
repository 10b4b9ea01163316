import { execFile } from 'node:child_process';
import { ensureBinary } from './ensure-binary.js';
import { freePorts } from './free-port.js';
import { sleep } from './managed-process.js';
import { type RedisServer, startRedis } from './redis-server.js';

/**
 * A throwaway Redis Cluster for one test file: `masters` masters (3 by default), each
 * with `replicasPerMaster` replicas (1 by default: killing a master is then a real
 * failover), on free 127.0.0.1 ports, built the way an operator builds one: every node
 * `redis-server --cluster-enabled yes`, then `redis-cli --cluster create`. No
 * persistence; node configs (nodes.conf) live in each server's temp dir, so a node
 * restarted on its port rejoins with its identity.
 *
 * Tuned for tests: `cluster-node-timeout` 2000 ms (a dead master's replica takes over
 * in about 3 s), `cluster-require-full-coverage no` (the other shards keep serving while
 * one has no master, which is also what production wants for a bus),
 * `cluster-replica-validity-factor 0` (a replica may always take over), explicit
 * `cluster-port`s (the default port+10000 could land in the ephemeral range),
 * `repl-diskless-sync-delay 0` (replicas sync at once, not after 5 s).
 */
export interface RedisCluster {
  /** Every node, in creation order: the first `masters` were created as masters. */
  nodes: RedisServer[];
  /** `127.0.0.1:PORT,…` of every node (REDIS_CLUSTER_NODES). */
  seeds: string;
  password?: string;
  /** Milliseconds from the first spawn to a healthy cluster. */
  startupMs: number;
  /** The node on `port`. */
  node(port: number): RedisServer;
  /** The cluster as a running node sees it (CLUSTER NODES). */
  view(): Promise<ClusterNodeView[]>;
  /** Current masters that serve slots, with the node behind each. */
  masters(): Promise<Array<ClusterNodeView & { server: RedisServer }>>;
  /** The server of the master that owns `slot` now. */
  ownerOf(slot: number): Promise<RedisServer>;
  /**
   * Waits until every running node reports cluster_state:ok, every slot is served by a
   * master that is not failed, every node agrees on the owner of every slot, and every
   * running replica's link to its master is up.
   */
  waitHealthy(timeoutMs?: number): Promise<void>;
  /** Moves one slot (and its keys) to the master on `toPort`, the way `redis-cli --cluster reshard` does. */
  migrateSlot(slot: number, toPort: number): Promise<void>;
  /** SIGKILL every node (the whole bus gone). */
  kill(): Promise<void>;
  /** Start every stopped node again on its port and wait until the cluster is healthy. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export interface ClusterNodeView {
  id: string;
  port: number;
  role: 'master' | 'replica';
  /** Id of the master, for replicas. */
  masterId?: string;
  failed: boolean;
  connected: boolean;
  /** Slot ranges [first, last] served (masters). */
  slots: Array<[number, number]>;
}

export interface StartRedisClusterOptions {
  masters?: number;
  replicasPerMaster?: number;
  /** requirepass / masterauth on every node. */
  password?: string;
  nodeTimeoutMs?: number;
}

export function parseClusterNodes(text: string): ClusterNodeView[] {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .map((line) => {
      const [id, address, flags, master, , , , link, ...slots] = line.split(' ');
      const flagSet = new Set(flags!.split(','));
      const port = Number(address!.split('@')[0]!.split(':').pop());
      const ranges: Array<[number, number]> = [];
      for (const slot of slots) {
        if (slot.startsWith('[')) continue; // migrating/importing markers
        const [first, last] = slot.split('-').map(Number);
        ranges.push([first!, last ?? first!]);
      }
      const view: ClusterNodeView = {
        id: id!,
        port,
        role: flagSet.has('master') ? 'master' : 'replica',
        failed: flagSet.has('fail') || flagSet.has('fail?') || flagSet.has('noaddr'),
        connected: link === 'connected' || flagSet.has('myself'),
        slots: ranges,
      };
      if (master && master !== '-') view.masterId = master;
      return view;
    });
}

export async function startRedisCluster(options: StartRedisClusterOptions = {}): Promise<RedisCluster> {
  const masters = options.masters ?? 3;
  const replicasPerMaster = options.replicasPerMaster ?? 1;
  const count = masters * (1 + replicasPerMaster);
  const began = performance.now();
  const cliBin = await ensureBinary('redis-cli', 'redis-tools');
  const ports = await freePorts(count * 2);
  const nodeTimeoutMs = options.nodeTimeoutMs ?? 2000;
  const password = options.password;
  const nodes = await Promise.all(
    [...Array(count).keys()].map((i) =>
      startRedis({
        port: ports[i]!,
        ...(password !== undefined ? { password } : {}),
        config: {
          'cluster-enabled': 'yes',
          'cluster-config-file': 'nodes.conf',
          'cluster-port': ports[count + i]!,
          'cluster-node-timeout': nodeTimeoutMs,
          'cluster-require-full-coverage': 'no',
          'cluster-replica-validity-factor': 0,
          'cluster-allow-replica-migration': 'no',
          // Replicas sync at once (the default waits 5 s for more replicas to share a transfer).
          'repl-diskless-sync-delay': 0,
        },
      }),
    ),
  );
  const auth = password === undefined ? [] : ['-a', password, '--no-auth-warning'];
  const create = ['--cluster', 'create', ...nodes.map((node) => `127.0.0.1:${node.port}`), '--cluster-replicas', String(replicasPerMaster), '--cluster-yes', ...auth];
  try {
    await new Promise<void>((resolve, reject) => {
      execFile(cliBin, create, { timeout: 60_000 }, (error, stdout, stderr) => {
        if (error) reject(new Error(`redis-cli ${create.join(' ')} failed: ${error.message}\n${stdout}\n${stderr}`));
        else resolve();
      });
    });
  } catch (error) {
    await Promise.all(nodes.map((node) => node.stop()));
    throw error;
  }

  const byPort = new Map(nodes.map((node) => [node.port, node]));
  const running = () => nodes.filter((node) => node.isRunning());

  async function view(): Promise<ClusterNodeView[]> {
    let last: unknown;
    for (const node of running()) {
      try {
        return parseClusterNodes(await node.command('CLUSTER', 'NODES'));
      } catch (error) {
        last = error;
      }
    }
    throw new Error(`no cluster node answers CLUSTER NODES: ${String(last)}`);
  }

  const cluster: RedisCluster = {
    nodes,
    seeds: nodes.map((node) => `127.0.0.1:${node.port}`).join(','),
    ...(password !== undefined ? { password } : {}),
    startupMs: 0,
    node(port) {
      const node = byPort.get(port);
      if (!node) throw new Error(`no cluster node on port ${port}`);
      return node;
    },
    view,
    async masters() {
      return (await view()).filter((node) => node.role === 'master' && node.slots.length > 0).map((node) => ({ ...node, server: cluster.node(node.port) }));
    },
    async ownerOf(slot) {
      const owner = (await view()).find((node) => node.role === 'master' && !node.failed && node.slots.some(([first, last]) => slot >= first && slot <= last));
      if (!owner) throw new Error(`no master serves slot ${slot}`);
      return cluster.node(owner.port);
    },
    async waitHealthy(timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      let problem = 'not checked yet';
      while (Date.now() < deadline) {
        problem = await healthProblem().catch((error: Error) => error.message);
        if (!problem) return;
        await sleep(50);
      }
      throw new Error(`redis cluster not healthy within ${timeoutMs} ms: ${problem}`);
    },
    async migrateSlot(slot, toPort) {
      const source = await cluster.ownerOf(slot);
      const target = cluster.node(toPort);
      if (source === target) return;
      const [sourceId, targetId] = await Promise.all([source.command('CLUSTER', 'MYID'), target.command('CLUSTER', 'MYID')]);
      await target.command('CLUSTER', 'SETSLOT', String(slot), 'IMPORTING', sourceId);
      await source.command('CLUSTER', 'SETSLOT', String(slot), 'MIGRATING', targetId);
      for (;;) {
        const keys = (await source.command('CLUSTER', 'GETKEYSINSLOT', String(slot), '100')).split('\n').filter(Boolean);
        if (keys.length === 0) break;
        const migrateAuth = password === undefined ? [] : ['AUTH', password];
        await source.command('MIGRATE', '127.0.0.1', String(target.port), '', '0', '5000', ...migrateAuth, 'KEYS', ...keys);
      }
      // Target first, then source, then everyone: the order redis-cli uses.
      await target.command('CLUSTER', 'SETSLOT', String(slot), 'NODE', targetId);
      await source.command('CLUSTER', 'SETSLOT', String(slot), 'NODE', targetId);
      for (const node of running().filter((n) => n !== source && n !== target)) {
        await node.command('CLUSTER', 'SETSLOT', String(slot), 'NODE', targetId).catch(() => undefined);
      }
      await cluster.waitHealthy();
    },
    async kill() {
      await Promise.all(nodes.map((node) => node.kill()));
    },
    async restart() {
      await Promise.all(nodes.filter((node) => !node.isRunning()).map((node) => node.restart()));
      await cluster.waitHealthy(60_000);
    },
    async stop() {
      await Promise.all(nodes.map((node) => node.stop()));
    },
  };

  async function healthProblem(): Promise<string> {
    const live = running();
    const views = await Promise.all(live.map(async (node) => ({ node, info: await node.command('CLUSTER', 'INFO'), nodes: parseClusterNodes(await node.command('CLUSTER', 'NODES')) })));
    let reference: string | undefined;
    for (const { node, info, nodes: seen } of views) {
      if (!/cluster_state:ok/.test(info)) return `node ${node.port}: cluster_state not ok`;
      const owners = new Array<number>(16384).fill(0);
      for (const master of seen.filter((n) => n.role === 'master')) {
        for (const [first, last] of master.slots) for (let slot = first; slot <= last; slot++) owners[slot] = master.failed ? -master.port : master.port;
      }
      if (owners.some((port) => port <= 0)) return `node ${node.port}: some slot has no live master`;
      const ownership = owners.join(',');
      if (reference === undefined) reference = ownership;
      else if (ownership !== reference) return `node ${node.port} disagrees about slot owners`;
      const me = seen.find((n) => n.port === node.port);
      if (me?.role === 'replica') {
        const replication = await node.command('INFO', 'replication');
        if (!/master_link_status:up/.test(replication)) return `replica ${node.port}: link to its master is down`;
      }
    }
    return '';
  }

  try {
    await cluster.waitHealthy();
  } catch (error) {
    await cluster.stop();
    throw error;
  }
  cluster.startupMs = Math.round(performance.now() - began);
  return cluster;
}
