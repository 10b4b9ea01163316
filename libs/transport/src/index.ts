// The public face of the bus: capability interfaces and tokens, the backend table and
// the module. Backend classes are not exported: they load only through their factory.
export type { TransportBackend, TransportCapabilities } from './backend.js';
export { TRANSPORT_NAMES, transportBackends, type TransportName, type TransportSelection } from './backends.js';
export { type Broadcast, InjectTransport, type StreamPosition, TRANSPORT, type Transport, type TransportEvent, type TransportHealth } from './capabilities/broadcast.js';
export type { ChannelStats, ControlMessage, NodeHeartbeat, ServerCommand } from './capabilities/control.js';
export { TransportUnavailableError } from './capabilities/errors.js';
export { type ChannelHistory, HISTORY, type HistoryOptions, type HistoryPage, type HistoryQuery, InjectHistory } from './capabilities/history.js';
export {
  type ChannelPresence,
  InjectPresence,
  PRESENCE,
  PRESENCE_MAX_ENTRIES_PER_CHANNEL,
  PRESENCE_MAX_INFO_BYTES,
  type PresenceChange,
  type PresenceEntry,
  type PresenceSnapshot,
} from './capabilities/presence.js';
export { TRANSPORT_SELECTION, TransportModule } from './transport.module.js';
