/**
 * A TCP proxy in front of a real service that can fail the way servers do:
 * frozen, it stops moving bytes in both directions (requests in flight hang,
 * as when the server process is stopped with SIGSTOP) until thawed; down, it
 * drops every connection and refuses new ones (the server was killed) until
 * up again. It puts a brown-out or an outage between custos and the real
 * ClickHouse without disturbing the shared server other work uses.
 */
import { createServer, connect, type AddressInfo, type Server, type Socket } from 'node:net';

export interface StallProxy {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  freeze(): void;
  thaw(): void;
  /** Drops every connection and refuses new ones until up(). */
  down(): void;
  up(): void;
  close(): Promise<void>;
}

export async function startStallProxy(targetUrl: string): Promise<StallProxy> {
  const target = new URL(targetUrl);
  const pairs = new Set<[Socket, Socket]>();
  let frozen = false;
  let refusing = false;
  const server: Server = createServer((client) => {
    if (refusing) {
      client.destroy();
      return;
    }
    const upstream = connect(Number(target.port), target.hostname);
    const pair: [Socket, Socket] = [client, upstream];
    pairs.add(pair);
    if (frozen) {
      client.pause();
      upstream.pause();
    }
    // Plain data handlers, not pipe(): pipe's own flow control could resume a frozen socket.
    client.on('data', (chunk) => upstream.write(chunk));
    upstream.on('data', (chunk) => client.write(chunk));
    const end = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    freeze() {
      frozen = true;
      for (const [a, b] of pairs) {
        a.pause();
        b.pause();
      }
    },
    thaw() {
      frozen = false;
      for (const [a, b] of pairs) {
        a.resume();
        b.resume();
      }
    },
    down() {
      refusing = true;
      for (const [a, b] of pairs) {
        a.destroy();
        b.destroy();
      }
    },
    up() {
      refusing = false;
    },
    async close() {
      for (const [a, b] of pairs) {
        a.destroy();
        b.destroy();
      }
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
