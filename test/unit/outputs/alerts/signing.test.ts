import { createHmac, randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { alertPayloadBody } from '../../../../src/runtime/outputs/alerts/payload.js';
import { createSigner, deliveryHeaders } from '../../../../src/runtime/outputs/alerts/destinations/webhook/signing.js';
import { alert } from '../../sinks/fixtures.js';

const KEY = randomBytes(32);
const SECRET = `whsec_${KEY.toString('base64')}`;

describe('webhook signing', () => {
  it('standardwebhooks verify() accepts our headers and returns the payload', () => {
    const body = alertPayloadBody(alert(), Date.now());
    const headers = deliveryHeaders('al-1', body, new Date(), createSigner(SECRET), 'custos/0.1.0');
    const verified = new Webhook(SECRET).verify(body, headers) as { data: { alert_id: string } };
    expect(verified.data.alert_id).toBe('al-1');
  });

  it('the signature is v1,base64(HMAC-SHA256(key, "id.timestamp.body")), as the spec writes it', () => {
    const at = new Date(Date.UTC(2024, 2, 1, 12, 0, 0, 700));
    const headers = deliveryHeaders('al-1.r2', '{"x":1}', at, createSigner(SECRET), 'custos/0.1.0');
    const expected = createHmac('sha256', KEY).update(`al-1.r2.${Math.floor(at.getTime() / 1000)}.{"x":1}`).digest('base64');
    expect(headers['webhook-timestamp']).toBe(String(Math.floor(at.getTime() / 1000)));
    expect(headers['webhook-signature']).toBe(`v1,${expected}`);
  });

  it('verification fails for a changed body, id or a different secret', () => {
    const body = '{"type":"custos.alert.opened"}';
    const headers = deliveryHeaders('al-1', body, new Date(), createSigner(SECRET), 'ua');
    expect(() => new Webhook(SECRET).verify(body.replace('opened', 'escalated'), headers)).toThrow();
    expect(() => new Webhook(SECRET).verify(body, { ...headers, 'webhook-id': 'al-2' })).toThrow();
    expect(() => new Webhook(`whsec_${randomBytes(32).toString('base64')}`).verify(body, headers)).toThrow();
  });

  it('without a secret the message goes unsigned, with the other headers', () => {
    expect(createSigner(null)).toBeNull();
    expect(createSigner('')).toBeNull();
    const headers = deliveryHeaders('al-1', '{}', new Date(0), null, 'custos/1.2.3');
    expect(headers).toEqual({ 'content-type': 'application/json', 'user-agent': 'custos/1.2.3', 'webhook-id': 'al-1', 'webhook-timestamp': '0' });
  });

  it('a malformed secret is refused without echoing it', () => {
    expect(() => createSigner('whsec_')).toThrow(/not a valid Standard Webhooks secret/);
    expect(() => createSigner('whsec_@@not-base64@@')).toThrow(/not a valid Standard Webhooks secret/);
    try {
      createSigner('whsec_@@not-base64@@');
    } catch (err) {
      expect((err as Error).message).not.toContain('@@not-base64@@');
    }
  });
});
