/** The ClickHouse sink's public surface: what the pipeline and CLI import. */
export { ClickHouseStore, type ClickHouseStoreOptions, type WriteBatchResult } from './store.js';
export type { HistoryQuery, LoadedHistory } from './history.js';
export { ClickHouseSinkError, type ClickHouseOperation } from './errors.js';
export { ensureSchema, type EnsureSchemaOptions, type SchemaInfo } from './ensure-schema.js';
export { SCHEMA_VERSION, TABLES } from './ddl.js';
export { quoteIdentifier, quoteString } from './escape.js';
