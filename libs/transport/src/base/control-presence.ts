import type { Transport } from '../capabilities/broadcast.js';
import type { ControlMessage } from '../capabilities/control.js';
import { type ChannelPresence, PRESENCE_MAX_ENTRIES_PER_CHANNEL, type PresenceChange, type PresenceEntry, type PresenceSnapshot } from '../capabilities/presence.js';

/** Entries per `presence_sync` message: keeps one message well under Kafka's 1 MB default. */
export const SYNC_PART_SIZE = 200;

interface Remote {
  lastSeen: number;
  /** channel → connection id → entry */
  channels: Map<string, Map<string, PresenceEntry>>;
  /** The sync being received, by sequence number. */
  incoming?: { seq: number; parts: Set<number>; channels: Map<string, Map<string, PresenceEntry>> };
}

/**
 * Presence over the bus's control channel, for every backend (memory, Redis in all modes,
 * Kafka): each node is the one writer of its own entries and announces them; every node
 * keeps a replica of its peers' entries, replaced by each complete sync and dropped with
 * the peer once nothing was heard from it for `staleAfterMs` or it announced `leave`.
 */
export class ControlPresence implements ChannelPresence {
  private nodeId = '';
  private staleAfterMs = 3_000;
  private readonly local = new Map<string, Map<string, PresenceEntry>>();
  private readonly remotes = new Map<string, Remote>();
  private readonly handlers: Array<(change: PresenceChange) => void> = [];
  private seq = 0;

  constructor(private readonly bus: Transport) {
    bus.onControl((message) => this.receive(message));
  }

  configure(options: { nodeId: string; staleAfterMs: number }): void {
    this.nodeId = options.nodeId;
    this.staleAfterMs = options.staleAfterMs;
  }

  async join(channel: string, entry: PresenceEntry): Promise<void> {
    const entries = this.local.get(channel) ?? new Map<string, PresenceEntry>();
    if (entries.size >= PRESENCE_MAX_ENTRIES_PER_CHANNEL && !entries.has(entry.connectionId)) return;
    entries.set(entry.connectionId, entry);
    this.local.set(channel, entries);
    this.emit({ type: 'join', channel, entry });
    await this.bus.publishControl({ type: 'presence', nodeId: this.nodeId, change: 'join', channel, entry, sentAt: Date.now() });
  }

  async leave(channel: string, connectionId: string): Promise<void> {
    const entries = this.local.get(channel);
    const entry = entries?.get(connectionId);
    if (!entries || !entry) return;
    entries.delete(connectionId);
    if (entries.size === 0) this.local.delete(channel);
    this.emit({ type: 'leave', channel, entry });
    await this.bus.publishControl({ type: 'presence', nodeId: this.nodeId, change: 'leave', channel, entry, sentAt: Date.now() }).catch(() => undefined);
  }

  members(channel: string, limit: number): PresenceSnapshot {
    this.expire();
    const all: PresenceEntry[] = [...(this.local.get(channel)?.values() ?? [])];
    for (const remote of this.remotes.values()) all.push(...(remote.channels.get(channel)?.values() ?? []));
    const users = new Set(all.map((entry) => entry.userId ?? `\u0000${entry.connectionId}`));
    all.sort((a, b) => a.joinedAt - b.joinedAt || a.connectionId.localeCompare(b.connectionId));
    return { entries: all.slice(0, limit), connections: all.length, users: users.size };
  }

  async sync(): Promise<void> {
    this.expire();
    const flat: Array<{ channel: string; entry: PresenceEntry }> = [];
    for (const [channel, entries] of this.local) for (const entry of entries.values()) flat.push({ channel, entry });
    const seq = ++this.seq;
    const parts = Math.max(1, Math.ceil(flat.length / SYNC_PART_SIZE));
    try {
      for (let part = 0; part < parts; part++) {
        const entries = flat.slice(part * SYNC_PART_SIZE, (part + 1) * SYNC_PART_SIZE);
        await this.bus.publishControl({ type: 'presence_sync', nodeId: this.nodeId, seq, part, parts, entries, sentAt: Date.now() });
      }
    } catch {
      // The next period tries again; peers keep the last complete sync meanwhile.
    }
  }

  onChange(handler: (change: PresenceChange) => void): void {
    this.handlers.push(handler);
  }

  private emit(change: PresenceChange): void {
    for (const handler of this.handlers) handler(change);
  }

  private receive(message: ControlMessage): void {
    switch (message.type) {
      case 'heartbeat':
        if (message.node.id !== this.nodeId) this.remote(message.node.id).lastSeen = Date.now();
        return;
      case 'leave':
        this.drop(message.nodeId);
        return;
      case 'presence': {
        if (message.nodeId === this.nodeId) return;
        const remote = this.remote(message.nodeId);
        remote.lastSeen = Date.now();
        const entries = remote.channels.get(message.channel) ?? new Map<string, PresenceEntry>();
        if (message.change === 'join') {
          entries.set(message.entry.connectionId, message.entry);
          remote.channels.set(message.channel, entries);
        } else if (entries.delete(message.entry.connectionId) && entries.size === 0) {
          remote.channels.delete(message.channel);
        }
        this.emit({ type: message.change, channel: message.channel, entry: message.entry });
        return;
      }
      case 'presence_sync': {
        if (message.nodeId === this.nodeId) return;
        const remote = this.remote(message.nodeId);
        remote.lastSeen = Date.now();
        if (!remote.incoming || remote.incoming.seq !== message.seq) remote.incoming = { seq: message.seq, parts: new Set(), channels: new Map() };
        const incoming = remote.incoming;
        incoming.parts.add(message.part);
        for (const { channel, entry } of message.entries) {
          const entries = incoming.channels.get(channel) ?? new Map<string, PresenceEntry>();
          entries.set(entry.connectionId, entry);
          incoming.channels.set(channel, entries);
        }
        if (incoming.parts.size < message.parts) return;
        this.replace(remote, incoming.channels);
        remote.incoming = undefined;
        return;
      }
      default:
        return;
    }
  }

  /** A complete sync replaces the node's entries; what it lost or gained is told as leave/join. */
  private replace(remote: Remote, next: Map<string, Map<string, PresenceEntry>>): void {
    const previous = remote.channels;
    remote.channels = next;
    for (const [channel, entries] of previous) {
      for (const [id, entry] of entries) if (!next.get(channel)?.has(id)) this.emit({ type: 'leave', channel, entry });
    }
    for (const [channel, entries] of next) {
      for (const [id, entry] of entries) if (!previous.get(channel)?.has(id)) this.emit({ type: 'join', channel, entry });
    }
  }

  private remote(nodeId: string): Remote {
    let remote = this.remotes.get(nodeId);
    if (!remote) {
      remote = { lastSeen: Date.now(), channels: new Map() };
      this.remotes.set(nodeId, remote);
    }
    return remote;
  }

  private drop(nodeId: string): void {
    const remote = this.remotes.get(nodeId);
    if (!remote) return;
    this.remotes.delete(nodeId);
    for (const [channel, entries] of remote.channels) for (const entry of entries.values()) this.emit({ type: 'leave', channel, entry });
  }

  /** Drops the peers not heard from for `staleAfterMs` (killed, or cut off from the bus). */
  private expire(): void {
    const deadline = Date.now() - this.staleAfterMs;
    for (const [nodeId, remote] of this.remotes) if (remote.lastSeen < deadline) this.drop(nodeId);
  }
}
