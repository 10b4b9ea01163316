import { Injectable } from '@nestjs/common';
import { InjectConfig, type NamespaceHistory, type SwitchboardConfig } from '#libs/config';
import { type ChannelHistory, InjectHistory } from '#libs/transport';

/** A namespace pattern: `*`, `prefix*` or an exact channel name (as in token channel claims). */
export function matches(pattern: string, channel: string): boolean {
  if (pattern === '*') return true;
  return pattern.endsWith('*') ? channel.startsWith(pattern.slice(0, -1)) : channel === pattern;
}

/**
 * Which channels keep history, and how much: the first configured namespace that matches
 * a channel decides (CHANNELS_CONFIG, then HISTORY_CHANNELS). Channels that match none
 * behave exactly as without history.
 */
@Injectable()
export class ChannelPolicy {
  constructor(
    @InjectConfig() private readonly config: SwitchboardConfig,
    @InjectHistory() private readonly history: ChannelHistory | null,
  ) {}

  /** Whether any namespace keeps history at all (the node needs a backend with history then). */
  get anyHistory(): boolean {
    return this.config.history.namespaces.some((namespace) => namespace.history);
  }

  get recoveryMaxMessages(): number {
    return this.config.history.recoveryMaxMessages;
  }

  /** The channel's history options; undefined also when the backend has no history capability. */
  historyOf(channel: string): NamespaceHistory | undefined {
    if (!this.history) return undefined;
    for (const namespace of this.config.history.namespaces) {
      if (matches(namespace.pattern, channel)) return namespace.history;
    }
    return undefined;
  }
}
