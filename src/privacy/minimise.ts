/**
 * Data minimisation of the optional event fields `source_ip`, `user_agent` and
 * `session_id`: each is kept in clear, truncated, pseudonymised or dropped, as
 * configured, before the event reaches the engine or any output. The enricher
 * applies it right after it resolved the network zone from the full address,
 * so zone-based detection keeps its input while what is stored is coarser.
 *
 * The engine sees the minimised values too (and restores from stored rows see
 * the same), so a rule on these fields judges what is stored, and a restart
 * reproduces the same alerts.
 */
import { CustosError } from '../errors.js';
import ipaddr from 'ipaddr.js';
import UAParser from 'ua-parser-js';
import { createPseudonymizer } from './pseudonym.js';

export const MINIMISATION_MODES = ['clear', 'truncated', 'pseudonymised', 'dropped'] as const;
export type MinimisationMode = (typeof MINIMISATION_MODES)[number];
/** A session id has no coarser form that keeps meaning: truncation is not offered. */
export const SESSION_ID_MODES = ['clear', 'pseudonymised', 'dropped'] as const;
export type SessionIdMode = (typeof SESSION_ID_MODES)[number];

export interface MinimisationPolicy {
  readonly source_ip: MinimisationMode;
  readonly user_agent: MinimisationMode;
  readonly session_id: SessionIdMode;
}

/**
 * What detection needs: the zone (resolved before truncation), a network /24 or
 * /48 to group addresses, the browser or tool family (a service credential used
 * from a browser), and whether two events share a session (not its token, which
 * may still be a live credential).
 */
export const DEFAULT_MINIMISATION: MinimisationPolicy = { source_ip: 'truncated', user_agent: 'truncated', session_id: 'pseudonymised' };
export const CLEAR_MINIMISATION: MinimisationPolicy = { source_ip: 'clear', user_agent: 'clear', session_id: 'clear' };

export interface OptionalFields {
  readonly source_ip: string | null;
  readonly user_agent: string | null;
  readonly session_id: string | null;
}

export type OptionalFieldMinimiser = (fields: OptionalFields) => OptionalFields;

/** Entries per memo of minimised values (each a short string and its key). */
const MEMO_SIZE = 4096;
/** How long a memo of pseudonyms keeps the clear values it was given, at most. */
const PSEUDONYM_MEMO_MS = 60_000;

/** Identity: for the rule tests and tools that judge the wire values as given. */
export const keepOptionalFields: OptionalFieldMinimiser = (fields) => fields;

/**
 * `pseudonymKey` (and its id, stored with each pseudonym) is needed only when
 * a field is pseudonymised. Pseudonyms are
 * domain-separated by field name, so a session pseudonym never equals the
 * pseudonym of a customer record id that happens to be the same string.
 */
export function createOptionalFieldMinimiser(policy: MinimisationPolicy, pseudonymKey?: string | Buffer, pseudonymKeyId = ''): OptionalFieldMinimiser {
  if (policy.source_ip === 'clear' && policy.user_agent === 'clear' && policy.session_id === 'clear') return keepOptionalFields;
  const needsKey = policy.source_ip === 'pseudonymised' || policy.user_agent === 'pseudonymised' || policy.session_id === 'pseudonymised';
  if (needsKey && pseudonymKey === undefined) throw new CustosError('CUSTOS_CONFIG', 'a pseudonymised field needs the pseudonym key');
  const pseudonymize = needsKey && pseudonymKey !== undefined ? createPseudonymizer(pseudonymKey, pseudonymKeyId) : null;
  // Values repeat heavily (a session's every event carries its id: 1,141 sessions in the throughput
  // benchmark's first 100,000 events), and one pseudonym is a plain-JS HMAC of about 1 µs: each is made
  // once per value while it stays in a memo, one per field (pseudonyms are domain-separated by field).
  // A session id may still be a live credential, so the memo holds clear values briefly: at most
  // MEMO_SIZE, and it lets go of all of them once it is PSEUDONYM_MEMO_MS old (checked at each look-up).
  const pseudonyms: Record<keyof OptionalFields, BoundedMemo<string>> = {
    source_ip: new BoundedMemo<string>(MEMO_SIZE, PSEUDONYM_MEMO_MS),
    user_agent: new BoundedMemo<string>(MEMO_SIZE, PSEUDONYM_MEMO_MS),
    session_id: new BoundedMemo<string>(MEMO_SIZE, PSEUDONYM_MEMO_MS),
  };
  const apply = (field: keyof OptionalFields, mode: MinimisationMode, value: string | null, truncate: (v: string) => string): string | null => {
    if (value === null || mode === 'clear') return value;
    if (mode === 'dropped') return null;
    if (mode === 'truncated') return truncate(value);
    return pseudonyms[field].get(value, (v) => pseudonymize!(`${field}\u0000${v}`));
  };
  const userAgents = new BoundedMemo<string>(MEMO_SIZE);
  // Addresses repeat heavily too (the network zones memo the same ones): the /24 text is made
  // once per address, not a regular-expression match and a new string per event.
  const addresses = new BoundedMemo<string>(MEMO_SIZE);
  return (fields) => ({
    source_ip: apply('source_ip', policy.source_ip, fields.source_ip, (ip) => addresses.get(ip, truncateAddress)),
    user_agent: apply('user_agent', policy.user_agent, fields.user_agent, (ua) => userAgents.get(ua, userAgentFamily)),
    session_id: apply('session_id', policy.session_id, fields.session_id, (v) => v),
  });
}

/**
 * An IPv4 address to its /24 (`203.0.113.0/24`), an IPv6 address to its /48;
 * an IPv4-mapped IPv6 address as IPv4. Something that is not an address is
 * dropped to `invalid` rather than stored as given (it may be anything).
 */
export function truncateAddress(text: string): string {
  // The usual case, a dotted-quad IPv4 address in canonical form (no leading zeros): its
  // first three octets as written. ipaddr.js gives the same text (tested on every form),
  // at a fraction of the cost of parsing and a CIDR round trip per event.
  const quad = DOTTED_QUAD.exec(text);
  if (quad !== null && octet(quad[1]!) && octet(quad[2]!) && octet(quad[3]!) && octet(quad[4]!)) return `${quad[1]}.${quad[2]}.${quad[3]}.0/24`;
  if (!ipaddr.isValid(text)) return 'invalid';
  let address = ipaddr.parse(text);
  if (address.kind() === 'ipv6' && (address as ipaddr.IPv6).isIPv4MappedAddress()) address = (address as ipaddr.IPv6).toIPv4Address();
  const prefix = address.kind() === 'ipv4' ? 24 : 48;
  const network = address.kind() === 'ipv4'
    ? ipaddr.IPv4.networkAddressFromCIDR(`${address.toString()}/${prefix}`)
    : ipaddr.IPv6.networkAddressFromCIDR(`${address.toString()}/${prefix}`);
  return `${network.toString()}/${prefix}`;
}

const DOTTED_QUAD = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;
/** 0-255 written without a leading zero (`010` is octal to ipaddr.js: left to it). */
const octet = (digits: string): boolean => (digits.length === 1 || digits.charCodeAt(0) !== 48) && Number(digits) <= 255;

/**
 * A user agent to its product family and major version: the browser ua-parser-js
 * recognises (`Chrome/120`), else the first `product/version` token
 * (`curl/8`, `python-requests/2`), else `other`. Build numbers, OS versions
 * and device details, which together single out one machine, are dropped.
 */
export function userAgentFamily(userAgent: string): string {
  const browser = new UAParser(userAgent).getBrowser();
  if (browser.name !== undefined) return browser.major !== undefined ? `${browser.name}/${browser.major}` : browser.name;
  const token = /^\s*([A-Za-z][A-Za-z0-9._-]{0,63})(?:\/(\d{1,9}))?/.exec(userAgent);
  if (token === null) return 'other';
  return token[2] !== undefined ? `${token[1]}/${token[2]}` : token[1]!;
}

/** Values computed once while they repeat (user agents' families, addresses' networks, pseudonyms): at most `max` at once. */
export class BoundedMemo<V> {
  private readonly entries = new Map<string, V>();
  private since = Date.now();
  /** `maxAgeMs`: forget every entry once the oldest may be that old (wall time: no output depends on it). */
  constructor(private readonly max: number, private readonly maxAgeMs = Number.POSITIVE_INFINITY) {}
  get(key: string, compute: (key: string) => V): V {
    if (this.maxAgeMs !== Number.POSITIVE_INFINITY) {
      const now = Date.now();
      if (now - this.since >= this.maxAgeMs) {
        this.entries.clear();
        this.since = now;
      }
    }
    const hit = this.entries.get(key);
    if (hit !== undefined) return hit;
    const value = compute(key);
    if (this.entries.size >= this.max) {
      this.entries.clear();
      if (this.maxAgeMs !== Number.POSITIVE_INFINITY) this.since = Date.now();
    }
    this.entries.set(key, value);
    return value;
  }
}
