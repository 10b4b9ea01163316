import { Injectable } from '@nestjs/common';
import { patternMatcher } from '#libs/auth';
import { InjectConfig, type NamespaceHistory, type SwitchboardConfig } from '#libs/config';
import { type ChannelHistory, InjectHistory } from '#libs/transport';


/**
 * Which channels keep history, and how much: the first configured namespace that matches
 * a channel decides (CHANNELS_CONFIG, then HISTORY_CHANNELS). Channels that match none
 * behave exactly as without history.
 */
@Injectable()
export class ChannelPolicy {
  /** Matchers built once: `historyOf` runs on every publish. */
  private readonly namespaces: Array<{ matches: (channel: string) => boolean; history?: NamespaceHistory }>;

  constructor(
    @InjectConfig() private readonly config: SwitchboardConfig,
    @InjectHistory() private readonly history: ChannelHistory | null,
  ) {
    this.namespaces = config.history.namespaces.map((namespace) => ({ matches: patternMatcher(namespace.pattern), history: namespace.history }));
  }

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
    return this.namespaces.find((namespace) => namespace.matches(channel))?.history;
  }
}
