import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** The prefix that tells a webhook secret from an API key where both might be pasted (as Stripe's `whsec_`). */
const SECRET_PREFIX = 'whsec_';

/** A new flow webhook secret: 32 random bytes, base64url, prefixed `whsec_`. */
export function newWebhookSecret(): string {
  return `${SECRET_PREFIX}${randomBytes(32).toString('base64url')}`;
}

function hmacHex(secret: string, timestamp: number, body: string): string {
  return createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
}

/**
 * The `X-Leadport-Signature` header value for a body sent at `timestamp` (unix seconds):
 * `t=<timestamp>,v1=<hex HMAC-SHA256 of "<timestamp>.<body>" keyed with the whole secret>`. The time is
 * signed with the body so a captured request cannot be replayed later with a fresh timestamp.
 */
export function signWebhookBody(secret: string, body: string, timestamp: number): string {
  return `t=${timestamp},v1=${hmacHex(secret, timestamp, body)}`;
}

/**
 * Whether `header` (an `X-Leadport-Signature` value) signs `body` (the raw request body, exactly as
 * received) with `secret`, at a time no further than `toleranceSeconds` from now. Any `v1` in the header
 * may match; the comparison takes the same time whatever the bytes, so it leaks nothing about the
 * expected value. `nowSeconds` is for tests.
 */
export function verifySignature(
  secret: string,
  header: string | undefined,
  body: string,
  toleranceSeconds: number,
  nowSeconds: number = Math.floor(Date.now() / 1000),
): boolean {
  if (!header) return false;
  let timestamp: number | undefined;
  const signatures: string[] = [];
  for (const part of header.split(',')) {
    const [key, value] = part.trim().split('=', 2);
    if (key === 't' && value && /^\d+$/.test(value)) timestamp = Number(value);
    else if (key === 'v1' && value) signatures.push(value);
  }
  if (timestamp === undefined || signatures.length === 0) return false;
  if (Math.abs(nowSeconds - timestamp) > toleranceSeconds) return false;
  const expected = Buffer.from(hmacHex(secret, timestamp, body), 'hex');
  return signatures.some((signature) => {
    const given = Buffer.from(signature, 'hex');
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
}
