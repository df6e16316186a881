/**
 * Destinations as the monitor builds them (from `alerts.destinations` entries,
 * through each kind's schema), delivering through the real dispatcher over an
 * in-memory outbox; receivers are real (a local HTTP server, a file).
 */
import type { Kafka } from 'kafkajs';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { buildDestinations } from '../../../../../src/runtime/outputs/alerts/config.js';
import type { Destination } from '../../../../../src/runtime/outputs/alerts/destination.js';
import { AlertDispatcher } from '../../../../../src/runtime/outputs/alerts/dispatcher.js';
import { defaultUserAgent } from '../../../../../src/runtime/outputs/alerts/user-agent.js';
import { WebhookReceiver } from '../../../../../src/tools/demo/webhook-receiver.js';
import { captureLog, MemoryOutbox, type CapturedLog } from '../helpers.js';

export function destinationsOf(entries: readonly Record<string, unknown>[], kafka?: Kafka): Destination[] {
  return buildDestinations(
    { 'alerts.destinations': entries as never, 'webhook.urls': [], 'webhook.secret': '' },
    { logger: captureLog().logger, userAgent: defaultUserAgent(), fetch: (url, init) => fetch(url, init), ...(kafka ? { kafka } : {}) },
  );
}

/** The message a config error gives for one entry: what buildDestinations throws, as text. */
export function configProblem(entry: Record<string, unknown>): string {
  try {
    destinationsOf([entry]);
  } catch (err) {
    return (err as Error).message;
  }
  return '';
}

export interface Harness {
  readonly dispatcher: AlertDispatcher;
  readonly outbox: MemoryOutbox;
  readonly log: CapturedLog;
}

export function dispatcherFor(destinations: readonly Destination[], outbox = new MemoryOutbox(), requestTimeoutMs?: number): Harness {
  const log = captureLog();
  const dispatcher = new AlertDispatcher({
    destinations,
    outbox,
    logger: log.logger,
    retry: { initialDelayMs: 20, maxDelayMs: 40 },
    stateFlushIntervalMs: 5,
    outboxScanIntervalMs: 60_000,
    ...(requestTimeoutMs !== undefined ? { requestTimeoutMs } : {}),
  });
  return { dispatcher, outbox, log };
}

/** A real local HTTP receiver for a test file: started before its tests, stopped after; its script reset to 200 after each test. */
export function localReceiver(): WebhookReceiver {
  const receiver = new WebhookReceiver();
  beforeAll(async () => {
    await receiver.start();
  });
  afterEach(() => {
    receiver.script = () => 200;
  });
  afterAll(() => receiver.stop());
  return receiver;
}

/** Registers the dispatchers a test makes, to be stopped after it. */
export function stoppedAfterEach(): (h: Harness) => Harness {
  const running: AlertDispatcher[] = [];
  afterEach(async () => {
    await Promise.all(running.splice(0).map((d) => d.stop()));
  });
  return (h) => {
    running.push(h.dispatcher);
    return h;
  };
}
