/**
 * The console in a real headless Chromium (Debian's, driven by playwright-core)
 * against a running monitor on the real Kafka and ClickHouse: sign in, the
 * queue, an alert's page whose chart draws the actor's series and band
 * (asserted on the points uPlot rendered) with the alert's still-open hour
 * counted from its events and marked inside the shaded window (screenshots
 * are kept under test-artifacts/), acknowledge, resolve as a false positive with an
 * exception, the audit trail; a subject report lists exactly the accesses to
 * one of the customers the test's traffic read.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../../support/chromium.js';
import { query } from '../../support/clickhouse.js';
import { produce } from '../../support/kafka.js';
import { asMessage, type WireEvent } from '../pipeline/fixtures.js';
import type { TestUser } from './console-client.js';
import { distinctCustomersRule, startConsoleScenario, type ConsoleScenario } from './console-scenario.js';

const RULE_ID = 'rate.console-e2e.distinct-customers';
const L = 10;
const officer: TestUser = { username: 'priya', password: 'priya-pass-1', role: 'privacy_officer' };
const ARTIFACTS = 'test-artifacts';

function read(n: number, at: number, customer = `c-e2e-${n}`): WireEvent {
  return {
    event_id: `alice-e2e-${n}`,
    ts: at,
    actor_id: 'alice',
    action: 'read',
    resource_type: 'customer',
    record_ids: [customer],
    fields: ['name', 'email'],
    channel: 'support_console',
    source_ip: '10.10.4.20',
    ticket_id: `T-${8000 + n}`,
  };
}

interface Rendered {
  readonly points: number;
  readonly actor: number;
  readonly bandLow: number;
  readonly bandHigh: number;
  readonly expected: { actor: number; bandLow: number; bandHigh: number };
  readonly maxActor: number;
  /** Absent before the chart drew open hours. */
  readonly open?: readonly { readonly x: number; readonly value: number | null; readonly inWindow: boolean }[];
}

describe('the console in headless Chromium', () => {
  let t: ConsoleScenario;
  let browser: BrowserContext;
  let base = '';
  const t0 = Date.now();
  // Three earlier days of one read an hour (the actor's own history), then a burst of distinct customers.
  const history = Array.from({ length: 72 }, (_, i) => read(i, t0 - 4 * 86_400_000 + i * 3_600_000, `c-e2e-regular-${i % 5}`));
  const burst = Array.from({ length: 3 * L }, (_, i) => read(1000 + i, t0 - 20 * 60_000 + i * 20_000));
  /** The customer whose accesses the subject report must list: two history reads (i = 2, 7, 12, ...: every fifth). */
  const subject = 'c-e2e-regular-2';
  const subjectEvents = history.filter((e) => e.record_ids?.[0] === subject).map((e) => e.event_id);
  /** The hour of the burst's last read is still open (no activity row until it closes): the chart counts it from the events. */
  const lastHour = Math.floor(Number(burst.at(-1)?.ts) / 3_600_000) * 3_600_000;
  const lastHourCustomers = burst.filter((e) => Number(e.ts) >= lastHour).length;

  beforeAll(async () => {
    t = await startConsoleScenario({
      name: 'console-e2e',
      rule: distinctCustomersRule(RULE_ID, 'e-1', L),
      users: [officer],
      partitions: 1,
      refreshIntervalMs: 1000,
      tickIntervalMs: 2_000,
      maxExceptionDays: 90,
    });
    await produce(t.kafka, t.scenario.topic, [...history, ...burst].map(asMessage));
    await t.consumed(history.length + burst.length);
    base = await t.app.listen({ host: '127.0.0.1', port: 0 });
    browser = await launchChromium();
    mkdirSync(ARTIFACTS, { recursive: true });
  });

  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('sign in, queue, alert page with the chart, acknowledge, resolve as false positive with an exception, audit trail', async () => {
    const page = await browser.newPage();
    const external: string[] = [];
    page.on('request', (r) => {
      if (!r.url().startsWith(base)) external.push(r.url());
    });
    await page.goto(`${base}/queue`);
    await page.fill('input[name=username]', officer.username);
    await page.fill('input[name=password]', officer.password);
    await page.click('button[type=submit]');
    await page.waitForURL(/\/queue/);
    expect(await page.textContent('[data-testid=signed-in]')).toContain('priya');

    const link = page.locator(`a[href^="/alerts/"]`).first();
    await link.waitFor();
    const [alertRow] = await query<{ alert_id: string }>(t.ch, `SELECT alert_id FROM ${t.db}.alerts_latest WHERE rule_id = '${RULE_ID}'`);
    expect(alertRow).toBeDefined();
    await page.click(`a[href="/alerts/${alertRow?.alert_id}"]`);
    await page.waitForSelector('#chart[data-rendered]');
    const rendered = JSON.parse((await page.getAttribute('#chart', 'data-rendered')) ?? '{}') as Rendered;
    // Every value of the series and the band is drawn inside the plot.
    expect(rendered.actor).toBeGreaterThan(0);
    expect(rendered.actor).toBe(rendered.expected.actor);
    expect(rendered.bandHigh).toBeGreaterThan(0);
    expect(rendered.bandHigh).toBe(rendered.expected.bandHigh);
    expect(rendered.bandLow).toBe(rendered.expected.bandLow);
    // The burst's last hour is still open (activity rows are stored when an hour closes): plotted from
    // its events, ringed, inside the shaded window, with exactly the distinct customers read in it so far.
    const open = rendered.open ?? [];
    expect(open.find((o) => o.x === lastHour / 1000)?.value).toBe(lastHourCustomers);
    expect(open.map((o) => o.inWindow)).not.toContain(false);
    expect(rendered.maxActor).toBeGreaterThanOrEqual(Math.ceil(burst.length / 2));
    await page.screenshot({ path: join(ARTIFACTS, 'console-alert.png'), fullPage: true });
    // What a laptop screen shows first (the README's picture: docs/images/console-alert.png is this file).
    await page.screenshot({ path: join(ARTIFACTS, 'console-alert-screen.png') });

    await page.click('[data-testid=acknowledge]');
    await page.waitForSelector('[data-testid=flash]');
    expect(await page.textContent('[data-testid=triage-status]')).toContain('acknowledged');

    await page.selectOption('[data-testid=resolution-select]', 'false_positive');
    await page.check('[data-testid=create-exception]');
    await page.fill('[data-testid=resolve-form] textarea[name=exc_reason]', 'ticket migration, CHG-77');
    await page.click('[data-testid=resolve]');
    await page.waitForSelector('[data-testid=resolution]');
    expect(await page.textContent('[data-testid=resolution]')).toBe('false_positive');
    const history = await page.locator('[data-testid=history] tbody tr').allTextContents();
    expect(history.some((h) => h.includes('open → acknowledged'))).toBe(true);
    expect(history.some((h) => h.includes('acknowledged → resolved (false_positive), exception console-'))).toBe(true);
    expect(await page.locator('[data-testid=alert-exceptions] li').count()).toBe(1);

    await page.goto(`${base}/audit`);
    const audit = await page.locator('[data-testid=audit] tbody tr').allTextContents();
    expect(audit.some((r) => r.includes('exception_created'))).toBe(true);
    expect(audit.some((r) => r.includes('login'))).toBe(true);
    expect(external).toEqual([]);
    await page.close();
  });

  it('a subject report lists exactly the accesses to one customer of the traffic', async () => {
    const page = await browser.newPage();
    await page.goto(`${base}/subject-report`);
    if (page.url().includes('/login')) {
      await page.fill('input[name=username]', officer.username);
      await page.fill('input[name=password]', officer.password);
      await page.click('button[type=submit]');
      await page.goto(`${base}/subject-report`);
    }
    await page.fill('[data-testid=customer-id]', subject);
    await page.click('[data-testid=subject-show]');
    await page.waitForSelector('[data-testid=subject-report]');
    const ids = await page.locator('[data-testid=subject-report] tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-event-id')));
    expect(subjectEvents.length).toBeGreaterThan(1);
    expect(ids).toEqual(subjectEvents);
    await page.close();
  });
});
