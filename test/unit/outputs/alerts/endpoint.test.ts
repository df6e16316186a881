import { describe, expect, it } from 'vitest';
import { endpointIdFromUrl, endpointsFromUrls, resolveEndpoint } from '../../../../src/runtime/outputs/alerts/destinations/webhook/endpoint.js';

describe('webhook endpoints', () => {
  it('the origin hides path, query and credentials', () => {
    const e = resolveEndpoint({ url: 'https://user:pw@hooks.example.com:8443/services/T0/B1/tok?key=abc' });
    expect(e.origin).toBe('https://hooks.example.com:8443');
  });

  it('the derived id ignores the query (token rotation keeps history) but not host or path', () => {
    const a = endpointIdFromUrl('https://h.example/hook?token=1');
    expect(endpointIdFromUrl('https://h.example/hook?token=2')).toBe(a);
    expect(endpointIdFromUrl('https://h.example/other')).not.toBe(a);
    expect(endpointIdFromUrl('https://g.example/hook')).not.toBe(a);
    expect(a).toMatch(/^ep_[0-9a-f]{12}$/);
  });

  it('minSeverity selects that severity and above', () => {
    expect(resolveEndpoint({ url: 'http://x', minSeverity: 'high' }).severities).toEqual(['high', 'critical']);
    expect(resolveEndpoint({ url: 'http://x' }).severities).toEqual(['info', 'low', 'medium', 'high', 'critical']);
  });

  it('refuses non-http URLs and bad ids, without echoing the URL', () => {
    expect(() => resolveEndpoint({ url: 'ftp://x/secret-path' })).toThrow(/ftp:\/\/x must use http/);
    expect(() => resolveEndpoint({ url: 'not a url secret' })).toThrow('webhook endpoint URL is not a valid URL');
    expect(() => resolveEndpoint({ url: 'http://x', id: 'a b' })).toThrow(RangeError);
  });

  it('endpointsFromUrls shares one secret across the configured URLs', () => {
    expect(endpointsFromUrls(['http://a', 'http://b'], 'whsec_x')).toEqual([
      { url: 'http://a', secret: 'whsec_x' },
      { url: 'http://b', secret: 'whsec_x' },
    ]);
  });
});
