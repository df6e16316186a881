/**
 * An insert sent on a keep-alive socket the server already closed. The server
 * closes sockets idle longer than its keep-alive timeout (3 s on older
 * servers); a batch that keeps the event loop busy longer than that leaves
 * the client holding such a socket (its idle timer could not fire), and the
 * next insert on it fails at once with ECONNRESET/EPIPE. Measured under load
 * in `custos bench latency`: each such failure cost the whole batch write a
 * retry after backoff. The insert is tried again at once on a fresh socket
 * (custos' tables deduplicate, so a repeat is harmless).
 *
 * The real ClickHouse behind a TCP proxy (in its own process, so it runs
 * while this one is blocked) that closes a client socket idle for 100 ms.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClickHouseClient, insertJsonLines } from '../../../src/runtime/outputs/clickhouse/connection.js';
import { tempDir } from '../../support/temp-dir.js';
import { testDatabase } from './clickhouse-test-db.js';

const PROXY = `
const net = require('node:net');
const [host, port] = process.argv.slice(2);
const server = net.createServer((client) => {
  const upstream = net.connect(Number(port), host);
  let idle = null;
  const arm = () => { clearTimeout(idle); idle = setTimeout(() => { client.destroy(); upstream.destroy(); }, 100); };
  client.on('data', (d) => { clearTimeout(idle); upstream.write(d); });
  upstream.on('data', (d) => { client.write(d); arm(); });
  client.on('error', () => upstream.destroy());
  upstream.on('error', () => client.destroy());
  client.on('close', () => upstream.destroy());
});
server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }));
`;

describe('ClickHouse insert on a socket the server closed while the client held it idle', () => {
  const db = testDatabase();
  let proxy: ChildProcess;
  let proxyUrl: string;

  beforeAll(async () => {
    await db.client.command({ query: `CREATE DATABASE IF NOT EXISTS ${db.database}` });
    await db.client.command({ query: `CREATE TABLE ${db.database}.t (n UInt32) ENGINE = MergeTree ORDER BY n` });
    const script = join(tempDir('custos-stale-socket-'), 'proxy.cjs');
    writeFileSync(script, PROXY);
    const upstream = new URL(db.url);
    proxy = fork(script, [upstream.hostname, upstream.port || '8123'], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
    const { port } = await new Promise<{ port: number }>((resolve) => proxy.once('message', resolve));
    proxyUrl = `http://127.0.0.1:${port}`;
  });

  afterAll(async () => {
    proxy?.kill();
    await db.drop();
  });

  it('is sent again at once on a fresh socket, and the row is stored', async () => {
    const client = createClickHouseClient({ ...db.connection, url: proxyUrl });
    try {
      await insertJsonLines(client, db.database, 't', '{"n":1}\n');
      // The event loop busy past the server's idle timeout: the close arrives but is not seen.
      const until = Date.now() + 500;
      while (Date.now() < until);
      await insertJsonLines(client, db.database, 't', '{"n":2}\n');
    } finally {
      await client.close();
    }
    expect(await db.rows<{ n: number }>(`SELECT n FROM ${db.database}.t ORDER BY n`)).toEqual([{ n: 1 }, { n: 2 }]);
  });
});
