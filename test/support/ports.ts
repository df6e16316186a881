/** Loopback ports for the private test servers (test/support/*-tls-*.ts): a free one, and whether one answers. */
import { connect, createServer } from 'node:net';

/** A port nobody listens on now (the OS picks it; a race with another process is possible but rare). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const address = server.address();
  await new Promise<void>((ok) => server.close(() => ok()));
  if (address === null || typeof address === 'string') throw new Error('no free port');
  return address.port;
}

/** true when something accepts TCP connections on 127.0.0.1:`port`. */
export const portAnswers = (port: number) =>
  new Promise<boolean>((ok) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      ok(true);
    });
    socket.once('error', () => ok(false));
  });
