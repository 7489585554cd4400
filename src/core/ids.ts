import { randomBytes } from 'node:crypto';

let pool = Buffer.alloc(0);
let offset = 0;
let lastMs = 0;
let sequence = 0;

function random(bytes: number): Buffer {
  if (offset + bytes > pool.length) {
    pool = randomBytes(4096);
    offset = 0;
  }
  const slice = pool.subarray(offset, offset + bytes);
  offset += bytes;
  return slice;
}

/**
 * A UUIDv7 (RFC 9562): time-ordered, so primary-key inserts append to the index instead of scattering
 * (Node 20 has no randomUUIDv7). A 12-bit counter keeps ids from one millisecond in order. The time is the
 * clock's unless passed in; ids stay in order even if it goes back.
 */
export function newId(nowMs: number = Date.now()): string {
  let now = nowMs;
  if (now <= lastMs) {
    sequence++;
    if (sequence > 0xfff) {
      lastMs++;
      sequence = 0;
    }
    now = lastMs;
  } else {
    lastMs = now;
    sequence = 0;
  }
  const bytes = Buffer.allocUnsafe(16);
  bytes.writeUIntBE(now, 0, 6);
  bytes[6] = 0x70 | (sequence >> 8);
  bytes[7] = sequence & 0xff;
  random(8).copy(bytes, 8);
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** When a UUIDv7 was made (ms since the epoch, its first 48 bits); NaN for anything else. */
export function idTime(id: string): number {
  const hex = id.replaceAll('-', '');
  return /^[0-9a-f]{12}7/i.test(hex) ? Number.parseInt(hex.slice(0, 12), 16) : Number.NaN;
}
