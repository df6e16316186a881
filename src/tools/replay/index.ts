/** The replay core: the engine over recorded events with a virtual clock (backtest, detection benchmark, tests). */
export { EngineReplay, DEFAULT_SETTLE_STEP_MS, DEFAULT_TICK_EVERY_MS, type EngineReplayOptions, type OutputHandler } from './engine-replay.js';
export { ReplayCollector, type TimedAlertUpdate } from './collect.js';
export { createWireEventReader, RejectionTally, type WireEventReader, type WireEventReaderOptions } from './wire-events.js';
export { readNdjsonLines, type NdjsonLine } from './ndjson-lines.js';
export { settleTimeMs } from './settle.js';
export { createPolicyJudge, type PolicyVerdict } from './policy-judge.js';
