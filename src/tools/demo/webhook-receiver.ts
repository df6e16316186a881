/**
 * A local webhook receiver for the demo and the tests: accepts POSTs on an
 * ephemeral port, records every request, verifies the Standard Webhooks
 * signature when given a secret, and answers per a script (to exercise
 * retries). It is what a receiving system must do, in miniature: verify,
 * then dedupe by `webhook-id`.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

export interface ReceivedRequest {
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

export interface ReceivedWebhook {
  readonly id: string;
  readonly timestamp: string;
  /** null when the receiver has no secret to verify with. */
  readonly signatureValid: boolean | null;
  readonly body: { type: string; timestamp: string; data: Record<string, unknown> };
  /** Date.now() when the request's body had arrived (what `custos bench latency` measures to). */
  readonly receivedAtMs: number;
}

/** Status to answer for the n-th request (0-based) with this path and webhook-id. */
export type ResponseScript = (path: string, n: number, webhookId: string) => number;

export class WebhookReceiver {
  /** Every request, as received. */
  readonly requests: ReceivedRequest[] = [];
  /** Requests that were answered 2xx and parsed, with their signature check. */
  readonly received: ReceivedWebhook[] = [];
  script: ResponseScript = () => 200;
  private origin_ = '';
  private server: Server | null = null;
  private readonly counts = new Map<string, number>();
  private waiters: (() => void)[] = [];

  constructor(private readonly secret: string | null = null) {}

  /** `http://127.0.0.1:<port>` once started. */
  get origin(): string {
    return this.origin_;
  }

  /** Starts listening; returns the URL to configure as a webhook endpoint. */
  async start(port = 0): Promise<string> {
    const verifier = this.secret ? new Webhook(this.secret) : null;
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const receivedAtMs = Date.now();
        const path = req.url ?? '/';
        const raw = Buffer.concat(chunks).toString('utf8');
        const id = String(req.headers['webhook-id'] ?? '');
        const key = `${path} ${id}`;
        const n = this.counts.get(key) ?? 0;
        this.counts.set(key, n + 1);
        this.requests.push({ path, headers: req.headers, body: raw });
        let status = this.script(path, n, id);
        if (status >= 200 && status < 300) status = this.accept(raw, req.headers, verifier, receivedAtMs) ?? status;
        res.writeHead(status).end();
        const waiters = this.waiters;
        this.waiters = [];
        for (const w of waiters) w();
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(port, '127.0.0.1', resolve));
    const { port: bound } = this.server.address() as AddressInfo;
    this.origin_ = `http://127.0.0.1:${bound}`;
    return `${this.origin_}/hooks/custos`;
  }

  /** Records a webhook; returns an error status for a bad signature or body. */
  private accept(raw: string, headers: IncomingHttpHeaders, verifier: Webhook | null, receivedAtMs: number): number | null {
    const h = {
      'webhook-id': String(headers['webhook-id'] ?? ''),
      'webhook-timestamp': String(headers['webhook-timestamp'] ?? ''),
      'webhook-signature': String(headers['webhook-signature'] ?? ''),
    };
    let signatureValid: boolean | null = null;
    if (verifier) {
      try {
        verifier.verify(raw, h);
        signatureValid = true;
      } catch {
        signatureValid = false;
      }
    }
    let body: ReceivedWebhook['body'];
    try {
      body = JSON.parse(raw) as ReceivedWebhook['body'];
    } catch {
      return 400;
    }
    this.received.push({ id: h['webhook-id'], timestamp: h['webhook-timestamp'], signatureValid, body, receivedAtMs });
    return signatureValid === false ? 401 : null;
  }

  forWebhookId(prefix: string): ReceivedRequest[] {
    return this.requests.filter((r) => String(r.headers['webhook-id']).startsWith(prefix));
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
