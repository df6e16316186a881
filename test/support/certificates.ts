/**
 * Throwaway certificates made at test time with openssl (issue 11, "TLS
 * everywhere it travels"): a CA valid for two days, server certificates for
 * 127.0.0.1/localhost, client certificates for mutual TLS, and a PKCS#12
 * keystore for Java servers (the native Kafka broker). Nothing is checked in;
 * each test file makes its own in a temporary folder.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface KeyPair {
  /** PEM certificate file. */
  readonly cert: string;
  /** PEM private key file (unencrypted). */
  readonly key: string;
}

const openssl = (args: string[]) => execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });

/** A self-signed CA named `name`, in `dir/<name>.pem` and `dir/<name>.key`. */
export function makeCa(dir: string, name: string): KeyPair {
  const key = join(dir, `${name}.key`);
  const cert = join(dir, `${name}.pem`);
  openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '2', '-subj', `/CN=${name}`, '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  return { cert, key };
}

/**
 * A certificate signed by `ca`: for a server (`serverAuth`, names 127.0.0.1 and
 * localhost, which clients verify) or a client (`clientAuth`, for mTLS).
 */
export function issueCertificate(dir: string, ca: KeyPair, name: string, use: 'server' | 'client'): KeyPair {
  const key = join(dir, `${name}.key`);
  const csr = join(dir, `${name}.csr`);
  const cert = join(dir, `${name}.pem`);
  const ext = join(dir, `${name}.ext`);
  writeFileSync(ext, use === 'server' ? 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth\n' : 'extendedKeyUsage=clientAuth\n');
  openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', csr, '-subj', `/CN=${name}`]);
  openssl(['x509', '-req', '-in', csr, '-CA', ca.cert, '-CAkey', ca.key, '-CAcreateserial', '-out', cert, '-days', '2', '-extfile', ext]);
  return { cert, key };
}

/** `pair` (and its CA, for the chain) as a PKCS#12 keystore protected by `password`, the form Java servers read. */
export function pkcs12Keystore(dir: string, pair: KeyPair, ca: KeyPair, password: string): string {
  const out = join(dir, `${pair.cert.replace(/^.*\//, '').replace(/\.pem$/, '')}.p12`);
  openssl(['pkcs12', '-export', '-in', pair.cert, '-inkey', pair.key, '-certfile', ca.cert, '-name', 'server', '-out', out, '-passout', `pass:${password}`]);
  return out;
}
