/**
 * Raised by every publishing method of every capability when the bus cannot take the
 * message: the caller must report it to whoever published, never drop it silently.
 */
export class TransportUnavailableError extends Error {
  readonly code = 'TRANSPORT_UNAVAILABLE';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TransportUnavailableError';
  }
}
