/**
 * Runs one request while heartbeating on a timer, so the consumer group keeps
 * this member however long the request hangs (a frozen ClickHouse holds an
 * insert, or a rebuild's query, until its request timeout; kafkajs 2.2.4
 * heartbeats only when asked). Without it the member would be dropped after
 * the session timeout and the group would rebalance, restoring every
 * partition again. The request itself is never cut short.
 */
export const HEARTBEAT_INTERVAL_MS = 3_000;

export async function whileHeartbeating<T>(beat: (() => Promise<void>) | undefined, attempt: () => Promise<T>, intervalMs = HEARTBEAT_INTERVAL_MS): Promise<T> {
  if (beat === undefined) return attempt();
  const timer = setInterval(() => void beat().catch(() => undefined), intervalMs);
  try {
    return await attempt();
  } finally {
    clearInterval(timer);
  }
}
