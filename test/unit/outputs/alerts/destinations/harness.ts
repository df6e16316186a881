/**
 * Destinations as the monitor builds them (from `alerts.destinations` entries,
 * through each kind's schema), delivering through the real dispatcher over an
 * in-memory outbox; receivers are real (a local HTTP server, a file).
 */
import type { Kafka } from 'kafkajs';
import { buildDestinations } from '../../../../../src/runtime/outputs/alerts/config.js';
import type { Destination } from '../../../../../src/runtime/outputs/alerts/destination.js';
import { AlertDispatcher } from '../../../../../src/runtime/outputs/alerts/dispatcher.js';
import { defaultUserAgent } from '../../../../../src/runtime/outputs/alerts/user-agent.js';
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
