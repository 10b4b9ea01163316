import { JSON_FORMAT, type WireFormat } from '../protocol/wire-format.js';

/**
 * One broadcast's WebSocket frame per wire format, each built the first time a
 * subscriber of that format needs it: a channel with JSON and MessagePack subscribers
 * costs at most two encodings per broadcast, never one per subscriber.
 */
export class EncodedBroadcast {
  private json?: Buffer;
  private other?: { format: WireFormat; frame: Buffer };

  constructor(readonly text: string) {}

  for(format: WireFormat): Buffer {
    if (format === JSON_FORMAT) return (this.json ??= format.encodeBroadcast(this.text));
    if (this.other?.format !== format) this.other = { format, frame: format.encodeBroadcast(this.text) };
    return this.other.frame;
  }
}
