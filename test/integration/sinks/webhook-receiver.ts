/** A real HTTP receiver on an ephemeral port that records requests and answers per a script. */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedRequest {
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/** Status to answer for the n-th request (0-based) with this path and webhook-id; default 200. */
export type Script = (path: string, n: number, webhookId: string) => number;

export interface Receiver {
  readonly origin: string;
  readonly requests: ReceivedRequest[];
  script: Script;
  forWebhookId(prefix: string): ReceivedRequest[];
  close(): Promise<void>;
}

export async function startReceiver(script: Script = () => 200): Promise<Receiver> {
  const requests: ReceivedRequest[] = [];
  const counts = new Map<string, number>();
  const state = { script };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = req.url ?? '/';
      const webhookId = String(req.headers['webhook-id']);
      const counter = `${path} ${webhookId}`;
      const n = counts.get(counter) ?? 0;
      counts.set(counter, n + 1);
      requests.push({ path, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(state.script(path, n, webhookId)).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    requests,
    get script() {
      return state.script;
    },
    set script(s: Script) {
      state.script = s;
    },
    forWebhookId: (prefix) => requests.filter((r) => String(r.headers['webhook-id']).startsWith(prefix)),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
