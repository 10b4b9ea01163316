/**
 * Binary data in payloads. MessagePack carries bytes natively (`bin`); JSON cannot, so a
 * byte array travels in JSON — on the bus and to JSON clients — as `{"$binary": "<base64>"}`,
 * and MessagePack clients get it back as bytes. The bus carries the payload once, in JSON.
 */
export const BINARY_MARKER = '$binary';

/** JSON.stringify replacer: byte arrays become the marker (checked on the original value, before Buffer's toJSON). */
export function binaryReplacer(this: Record<string, unknown>, key: string, value: unknown): unknown {
  const original = this[key];
  if (original instanceof Uint8Array) return { [BINARY_MARKER]: Buffer.from(original.buffer, original.byteOffset, original.byteLength).toString('base64') };
  return value;
}

/** The inverse, for MessagePack clients: markers become bytes again. */
export function reviveBinary(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reviveBinary);
  if (value === null || typeof value !== 'object') return value;
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length === 1 && entries[0]![0] === BINARY_MARKER && typeof entries[0]![1] === 'string') return Buffer.from(entries[0]![1], 'base64');
  return Object.fromEntries(entries.map(([key, inner]) => [key, reviveBinary(inner)]));
}

/** Whether a decoded MessagePack value holds bytes anywhere (then JSON needs the replacer). */
export function containsBinary(value: unknown): boolean {
  if (value instanceof Uint8Array) return true;
  if (Array.isArray(value)) return value.some(containsBinary);
  if (value === null || typeof value !== 'object') return false;
  return Object.values(value as Record<string, unknown>).some(containsBinary);
}
