/** Activity buckets: what the engine closes and stores, and what baselines are built from. */

/**
 * One closed bucket of an actor's activity, stored in ClickHouse so baselines
 * survive restarts and are shared by instances. Produced by the engine when
 * event time passes the end of the bucket (plus the lateness allowance).
 */
export interface ActorActivityRow {
  readonly actor_id: string;
  readonly role: string;
  readonly department: string;
  /** `hour` or `day` (UTC-aligned buckets). */
  readonly granularity: 'hour' | 'day';
  /** Epoch ms of the bucket start. */
  readonly bucket_start: number;
  /** Local hour (0-23) and ISO weekday (1-7) of the bucket start in the actor's time zone. */
  readonly local_hour: number;
  readonly local_weekday: number;
  readonly events: number;
  /** Distinct customers touched (read/search/export) within the bucket. */
  readonly distinct_records: number;
  /** Highest distinct-customer count of any 5-minute window inside the bucket. */
  readonly peak_5m_distinct: number;
  /**
   * Highest distinct-customer count of the sliding 1-hour window at any event
   * inside the bucket (added by the engine; optional for rows stored without
   * it, which then fall back to distinct_records). A burst straddling a clock
   * hour is split across two buckets' distinct_records, but not here: this is
   * what a sliding 1h window must be compared with.
   */
  readonly peak_1h_distinct?: number;
  /** Likewise for the sliding 24-hour window (meaningful on `day` rows); falls back to distinct_records. */
  readonly peak_24h_distinct?: number;
  /**
   * Largest record_count of one request the engine counted (settings.counted)
   * in the bucket (added by the engine; optional: rows stored without it count
   * as 0, i.e. no own normal request size is known). The employment-status
   * factor never lowers a per-request limit below the actor's own largest
   * request (policy record_limit with own_normal).
   */
  readonly max_request_records?: number;
  readonly denied: number;
  /**
   * Requests per activity class (settings `activity_classes`, e.g. exports):
   * the names of the classes the bucket saw, sorted, and their event counts
   * beside them. A class absent had none (optional: rows stored without
   * classes read as none), so a day of other work is a 0 in that class's baseline.
   */
  readonly class_names?: readonly string[];
  readonly class_events?: readonly number[];
  /**
   * The actor had an alert open during the bucket (its first finding before the bucket's end,
   * its closing instant after the bucket's start): baselines with `exclude_alerted` leave the
   * bucket out, so what an alert is about never becomes the normal that judges it (optional:
   * absent = false).
   */
  readonly under_alert?: boolean;
  /** What the actor used in the bucket; first-seen detection compares against these. */
  readonly resource_types: readonly string[];
  readonly channels: readonly string[];
  readonly zones: readonly string[];
}
