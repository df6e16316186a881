/**
 * TLS handshake failures that retrying cannot fix, told apart from the
 * network's weather by Node's error codes (never by message text). Shared by
 * the ClickHouse and Kafka error mappings: both turn these into CUSTOS_TLS
 * (exit 78) naming their own setting.
 */

/** Node's codes for a server certificate that does not verify (wrong CA, self-signed, other host, expired). */
const SERVER_CERTIFICATE_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'UNABLE_TO_GET_ISSUER_CERT', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT', 'CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID', 'ERR_TLS_CERT_ALTNAME_INVALID', 'CERT_SIGNATURE_FAILURE',
]);

/**
 * The alerts a server sends when it refuses the client's certificate: none
 * given where one is required (TLS 1.3 `certificate_required`; Java servers
 * send `bad_certificate`), or one from a CA the server does not trust.
 */
const CLIENT_CERTIFICATE_CODES = new Set([
  'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED', 'ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE', 'ERR_SSL_TLSV1_ALERT_UNKNOWN_CA',
  'ERR_SSL_SSLV3_ALERT_CERTIFICATE_UNKNOWN', 'ERR_SSL_SSLV3_ALERT_CERTIFICATE_EXPIRED', 'ERR_SSL_SSLV3_ALERT_CERTIFICATE_REVOKED',
]);

export interface TlsFailure {
  /** Node's code, safe to log. */
  readonly code: string;
  /** Whose certificate is at fault: the server's (check the CA setting) or ours (check the client certificate). */
  readonly side: 'server-certificate' | 'client-certificate';
}

/** The TLS failure in `err` or its causes (libraries wrap the socket's error), or null. */
export function tlsFailureOf(err: unknown): TlsFailure | null {
  for (let e = err as { code?: unknown; cause?: unknown } | undefined, depth = 0; e !== undefined && e !== null && depth < 4; e = e.cause as typeof e, depth++) {
    if (typeof e.code !== 'string') continue;
    if (SERVER_CERTIFICATE_CODES.has(e.code)) return { code: e.code, side: 'server-certificate' };
    if (CLIENT_CERTIFICATE_CODES.has(e.code)) return { code: e.code, side: 'client-certificate' };
  }
  return null;
}
