/**
 * Sign-in by a trusted reverse proxy, in the oauth2-proxy convention: the
 * proxy authenticates and passes `X-Forwarded-User` and `X-Forwarded-Email`.
 * Those headers are believed only on connections from the configured proxy
 * addresses (the TCP peer, never a forwarded-for header); a request from
 * anywhere else is refused whatever it carries.
 */
import { CustosError } from '../../errors.js';
import ipaddr from 'ipaddr.js';

export type TrustedProxies = (peerAddress: string | undefined) => boolean;

/** Addresses or CIDR ranges, IPv4 or IPv6 (an IPv4-mapped IPv6 peer matches IPv4 ranges). */
export function trustedProxies(entries: readonly string[]): TrustedProxies {
  const ranges = entries.map((entry) => {
    try {
      if (entry.includes('/')) return ipaddr.parseCIDR(entry);
      const addr = ipaddr.parse(entry);
      return [addr, addr.kind() === 'ipv4' ? 32 : 128] as [ipaddr.IPv4 | ipaddr.IPv6, number];
    } catch {
      throw new CustosError('CUSTOS_CONFIG', `console.trusted_proxies: ${JSON.stringify(entry)} is not an address or CIDR range`);
    }
  });
  return (peer) => {
    if (peer === undefined || !ipaddr.isValid(peer)) return false;
    const addr = ipaddr.process(peer);
    return ranges.some(([net, bits]) => addr.kind() === net.kind() && addr.match(net, bits));
  };
}

export interface ProxyIdentity {
  readonly user: string | null;
  readonly email: string | null;
}

export function proxyIdentity(headers: Readonly<Record<string, string | string[] | undefined>>): ProxyIdentity {
  const one = (v: string | string[] | undefined) => (typeof v === 'string' && v.trim() !== '' ? v.trim() : null);
  return { user: one(headers['x-forwarded-user']), email: one(headers['x-forwarded-email']) };
}
