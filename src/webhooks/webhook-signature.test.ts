import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { newWebhookSecret, signWebhookBody, verifySignature } from './webhook-signature.js';

const secret = 'whsec_test-secret';
const body = '{"event":"import.finished"}';
const now = 1_700_000_000;

describe('webhook signatures', () => {
  it('makes whsec_ secrets of 32 random bytes in base64url', () => {
    const first = newWebhookSecret();
    expect(first).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(first.slice('whsec_'.length), 'base64url')).toHaveLength(32);
    expect(newWebhookSecret()).not.toBe(first);
  });

  it('signs "<t>.<body>" with HMAC-SHA256 keyed with the whole secret', () => {
    const expected = createHmac('sha256', secret).update(`${now}.${body}`).digest('hex');
    expect(signWebhookBody(secret, body, now)).toBe(`t=${now},v1=${expected}`);
  });

  it('verifies its own signature within the tolerance', () => {
    const header = signWebhookBody(secret, body, now);
    expect(verifySignature(secret, header, body, 300, now + 300)).toBe(true);
    expect(verifySignature(secret, header, body, 300, now - 300)).toBe(true);
  });

  it('refuses a changed body, another secret, an old or future timestamp', () => {
    const header = signWebhookBody(secret, body, now);
    expect(verifySignature(secret, header, `${body} `, 300, now)).toBe(false);
    expect(verifySignature('whsec_other', header, body, 300, now)).toBe(false);
    expect(verifySignature(secret, header, body, 300, now + 301)).toBe(false);
    expect(verifySignature(secret, header, body, 300, now - 301)).toBe(false);
  });

  it('refuses a timestamp swapped into a captured signature', () => {
    const [, v1] = signWebhookBody(secret, body, now).split(',');
    expect(verifySignature(secret, `t=${now + 10},${v1}`, body, 300, now + 10)).toBe(false);
  });

  it('accepts any matching v1 and refuses malformed headers', () => {
    const header = signWebhookBody(secret, body, now);
    const v1 = header.split(',')[1];
    expect(verifySignature(secret, `t=${now},v1=00ff,${v1}`, body, 300, now)).toBe(true);
    for (const bad of [undefined, '', 'garbage', `t=${now}`, v1, `t=abc,${v1}`, `t=${now},v1=zz`, `t=${now},v1=`])
      expect(verifySignature(secret, bad, body, 300, now)).toBe(false);
  });
});
