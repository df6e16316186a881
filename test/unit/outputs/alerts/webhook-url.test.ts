/**
 * Alerts carry actor ids and figures, and a webhook's URL often holds a token:
 * a webhook must use https; plain http is accepted only to this machine (a
 * local relay, a test receiver). Issue 11, finding 2.
 */
import { describe, expect, it } from 'vitest';
import pino from 'pino';
import { buildDestinations } from '../../../../src/runtime/outputs/alerts/config.js';

const context = { logger: pino({ level: 'silent' }), userAgent: 'custos/test', fetch: () => Promise.reject(new Error('no network in this test')) };
const build = (urls: string[]) => buildDestinations({ 'webhook.urls': urls, 'webhook.secret': '', 'alerts.destinations': [] }, context);

describe('webhook URLs', () => {
  it('refuses http to another host, naming the entry, without echoing the URL', () => {
    expect(() => build(['http://soc.example.com/hooks/t0ken'])).toThrow(/CUSTOS_WEBHOOK_URLS\[0\] \(webhook\)\.url: must use https/);
    expect(() => build(['http://soc.example.com/hooks/t0ken'])).not.toThrow(/t0ken/);
  });
  it('accepts https anywhere and http to loopback', () => {
    expect(build(['https://soc.example.com/hooks/a', 'http://127.0.0.1:9999/hook', 'http://localhost:9999/hook'])).toHaveLength(3);
  });
});
