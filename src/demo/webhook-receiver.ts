/**
 * A local webhook receiver for the demo and the integration tests: accepts
 * POSTs, verifies the Standard Webhooks signature when given a secret, and
 * keeps what arrived. It is what a real receiving system must do, in miniature:
 * verify, then dedupe by `webhook-id`.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

export interface ReceivedWebhook {
  readonly id: string;
  readonly timestamp: string;
  readonly signatureValid: boolean | null;
  readonly body: { type: string; timestamp: string; data: Record<string, unknown> };
}

export class WebhookReceiver {
  readonly received: ReceivedWebhook[] = [];
  private server: Server | null = null;
  private waiters: (() => void)[] = [];
  /** Status codes to answer with, in order, before answering 204 (to exercise retries). */
  failWith: number[] = [];

  constructor(private readonly secret: string | null) {}

  async start(port = 0): Promise<string> {
    const verifier = this.secret ? new Webhook(this.secret) : null;
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const forced = this.failWith.shift();
        if (forced !== undefined) {
          res.writeHead(forced).end();
          return;
        }
        const raw = Buffer.concat(chunks).toString('utf8');
        const headers = {
          'webhook-id': String(req.headers['webhook-id'] ?? ''),
          'webhook-timestamp': String(req.headers['webhook-timestamp'] ?? ''),
          'webhook-signature': String(req.headers['webhook-signature'] ?? ''),
        };
        let signatureValid: boolean | null = null;
        if (verifier) {
          try {
            verifier.verify(raw, headers);
            signatureValid = true;
          } catch {
            signatureValid = false;
          }
        }
        let body: ReceivedWebhook['body'];
        try {
          body = JSON.parse(raw) as ReceivedWebhook['body'];
        } catch {
          res.writeHead(400).end();
          return;
        }
        this.received.push({ id: headers['webhook-id'], timestamp: headers['webhook-timestamp'], signatureValid, body });
        res.writeHead(signatureValid === false ? 401 : 204).end();
        const waiters = this.waiters;
        this.waiters = [];
        for (const w of waiters) w();
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(port, '127.0.0.1', resolve));
    const { port: bound } = this.server.address() as AddressInfo;
    return `http://127.0.0.1:${bound}/hooks/custos`;
  }

  /** Resolves when `predicate` holds for what arrived, or rejects after `timeoutMs`. */
  async waitFor(predicate: (received: readonly ReceivedWebhook[]) => boolean, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate(this.received)) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`webhook receiver: condition not met within ${timeoutMs} ms (${this.received.length} received)`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.min(left, 500));
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    this.server = null;
  }
}
