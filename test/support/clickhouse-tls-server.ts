/**
 * A private, throwaway ClickHouse server that speaks https only and requires a
 * client certificate, for the ClickHouse TLS tests (issue 11). It is the
 * installed clickhouse-server binary (Debian's 18.16 here: scripts/services.sh
 * installs it), started with a config of its own in the caller's temporary
 * folder: own data and log folders, own free port, only loopback, only
 * `https_port` (no http, native or interserver port). The shared server on
 * 8123 is never touched. Stopped after the test file.
 *
 * Its openSSL server section verifies clients strictly (`verificationMode`
 * strict, `caConfig` the test CA, no system CAs): a TLS connection without a
 * client certificate from that CA is refused in the handshake. The CA, the
 * server's certificate (for 127.0.0.1 and localhost) and a client certificate
 * are made at start (test/support/certificates.ts). Two users, each with a
 * random password: `default` (may do anything) and `custos_analyst`, read only
 * (profile `readonly` 1, as `custos db grants --format xml` makes it on 18.16).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { issueCertificate, makeCa, type KeyPair } from './certificates.js';
import { freePort } from './ports.js';

export interface ClickHouseTlsServer {
  /** https://127.0.0.1:<port> */
  readonly url: string;
  readonly username: string;
  readonly password: string;
  /** A read-only user (readonly 1). */
  readonly analyst: { readonly username: string; readonly password: string };
  /** The CA that signed the server's certificate and the client certificate. */
  readonly ca: KeyPair;
  /** A client certificate the server accepts. */
  readonly client: KeyPair;
  /** The server's own log (errors of refused handshakes go to `errorLog`). */
  readonly log: string;
  readonly errorLog: string;
  stop(): Promise<void>;
}

const xmlText = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

const exited = (child: ChildProcess) => child.exitCode !== null || child.signalCode !== null;

const tail = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8').split('\n').slice(-30).join('\n') : '(no log)');

/** One https GET of /ping with the client certificate: true once the server answers "Ok.". */
const pingsOk = (url: string, ca: Buffer, cert: Buffer, key: Buffer) =>
  new Promise<boolean>((ok) => {
    const req = request(`${url}/ping`, { ca, cert, key, timeout: 2_000 }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => ok(res.statusCode === 200 && body.trim() === 'Ok.'));
      res.on('error', () => ok(false));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => ok(false));
    req.end();
  });

/** Starts the server in `dir` (a temporary folder the caller removes) and resolves once it answers /ping over mutual TLS. */
export async function startClickHouseTlsServer(dir: string, timeoutMs = 60_000): Promise<ClickHouseTlsServer> {
  const ca = makeCa(dir, 'clickhouse-test-ca');
  const server = issueCertificate(dir, ca, 'clickhouse-server', 'server');
  const client = issueCertificate(dir, ca, 'custos-clickhouse-client', 'client');
  const port = await freePort();
  const password = randomBytes(12).toString('hex');
  const analyst = { username: 'custos_analyst', password: randomBytes(12).toString('hex') };
  for (const sub of ['data', 'tmp', 'user_files']) mkdirSync(join(dir, sub), { recursive: true });
  const log = join(dir, 'server.log');
  const errorLog = join(dir, 'server.err.log');

  const config = join(dir, 'config.xml');
  writeFileSync(
    config,
    `<?xml version="1.0"?>
<yandex>
  <logger><level>information</level><log>${xmlText(log)}</log><errorlog>${xmlText(errorLog)}</errorlog><console>0</console></logger>
  <listen_host>127.0.0.1</listen_host>
  <https_port>${port}</https_port>
  <openSSL>
    <server>
      <certificateFile>${xmlText(server.cert)}</certificateFile>
      <privateKeyFile>${xmlText(server.key)}</privateKeyFile>
      <caConfig>${xmlText(ca.cert)}</caConfig>
      <verificationMode>strict</verificationMode>
      <loadDefaultCAFile>false</loadDefaultCAFile>
      <cacheSessions>false</cacheSessions>
      <disableProtocols>sslv2,sslv3,tlsv1,tlsv1_1</disableProtocols>
      <preferServerCiphers>true</preferServerCiphers>
    </server>
  </openSSL>
  <max_connections>64</max_connections>
  <keep_alive_timeout>3</keep_alive_timeout>
  <max_concurrent_queries>16</max_concurrent_queries>
  <uncompressed_cache_size>67108864</uncompressed_cache_size>
  <mark_cache_size>67108864</mark_cache_size>
  <path>${xmlText(join(dir, 'data'))}/</path>
  <tmp_path>${xmlText(join(dir, 'tmp'))}/</tmp_path>
  <user_files_path>${xmlText(join(dir, 'user_files'))}/</user_files_path>
  <users_config>${xmlText(join(dir, 'users.xml'))}</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
</yandex>
`,
  );
  writeFileSync(
    join(dir, 'users.xml'),
    `<?xml version="1.0"?>
<yandex>
  <profiles><default></default><readonly><readonly>1</readonly></readonly></profiles>
  <users>
    <default>
      <password>${password}</password>
      <networks><ip>127.0.0.1</ip></networks>
      <profile>default</profile>
      <quota>default</quota>
    </default>
    <${analyst.username}>
      <password>${analyst.password}</password>
      <networks><ip>127.0.0.1</ip></networks>
      <profile>readonly</profile>
      <quota>default</quota>
    </${analyst.username}>
  </users>
  <quotas><default><interval><duration>3600</duration><queries>0</queries><errors>0</errors><result_rows>0</result_rows><read_rows>0</read_rows><execution_time>0</execution_time></interval></default></quotas>
</yandex>
`,
  );

  const out = openSync(join(dir, 'stdout.log'), 'w');
  const child = spawn('clickhouse-server', [`--config-file=${config}`], { stdio: ['ignore', out, out] });
  const spawnError = new Promise<Error>((ok) => child.once('error', ok));
  // Never outlive the test process, even if it ends without running its hooks.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);

  const stop = async () => {
    process.removeListener('exit', killOnExit);
    if (exited(child) || child.pid === undefined) return;
    const gone = new Promise<void>((ok) => child.once('exit', () => ok()));
    // The data is thrown away: no need for an orderly shutdown.
    child.kill('SIGKILL');
    await gone;
  };

  const url = `https://127.0.0.1:${port}`;
  const [caPem, certPem, keyPem] = [readFileSync(ca.cert), readFileSync(client.cert), readFileSync(client.key)];
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const failed = await Promise.race([spawnError, new Promise<null>((ok) => setTimeout(() => ok(null), 0))]);
    if (failed) throw new Error(`cannot start clickhouse-server (${(failed as NodeJS.ErrnoException).code ?? failed.message}): scripts/services.sh up installs it`);
    if (exited(child)) throw new Error(`the TLS test ClickHouse exited (${child.exitCode ?? child.signalCode}):\n${tail(errorLog)}\n${tail(join(dir, 'stdout.log'))}`);
    if (await pingsOk(url, caPem, certPem, keyPem)) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`the TLS test ClickHouse did not answer within ${timeoutMs} ms:\n${tail(log)}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return { url, username: 'default', password, analyst, ca, client, log, errorLog, stop };
}
