/**
 * Complete, unmasked WebSocket frames (RFC 6455 §5.2), built once and written as-is to
 * client sockets: a broadcast is framed once per format, not once per subscriber, and
 * every frame of a connection leaves through the same socket writes in call order.
 */
function frame(opcode: 0x1 | 0x2, length: number): { frame: Buffer; offset: number } {
  const headerLength = length < 126 ? 2 : length < 65536 ? 4 : 10;
  const out = Buffer.allocUnsafe(headerLength + length);
  out[0] = 0x80 | opcode; // FIN + opcode
  if (length < 126) {
    out[1] = length;
  } else if (length < 65536) {
    out[1] = 126;
    out.writeUInt16BE(length, 2);
  } else {
    out[1] = 127;
    out.writeBigUInt64BE(BigInt(length), 2);
  }
  return { frame: out, offset: headerLength };
}

/** A text frame (opcode 1) carrying `text` as UTF-8. */
export function encodeTextFrame(text: string): Buffer {
  const { frame: out, offset } = frame(0x1, Buffer.byteLength(text));
  out.write(text, offset, 'utf8');
  return out;
}

/** A binary frame (opcode 2) carrying `bytes`. */
export function encodeBinaryFrame(bytes: Uint8Array): Buffer {
  const { frame: out, offset } = frame(0x2, bytes.byteLength);
  out.set(bytes, offset);
  return out;
}
