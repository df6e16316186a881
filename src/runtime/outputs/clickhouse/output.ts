/** Events, rejections, alert revisions (and so the alert outbox), activity and progress rows, into ClickHouse. */
import type { Output } from '../output.js';
import type { ClickHouseStore } from './store.js';

export function clickHouseOutput(store: ClickHouseStore): Output {
  return {
    name: 'clickhouse',
    role: 'durable',
    write: async (batch) => {
      await store.writeBatch(batch);
    },
    expect: () => store.expectWrite(),
  };
}
