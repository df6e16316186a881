/**
 * Public API of the traffic simulator. See docs/simulator.md.
 */
export { createSimulation, resolveConfig, toWire, DEFAULT_START, SimStream } from './simulator.js';
export type { SimConfig, ResolvedSimConfig, Simulation } from './simulator.js';
export { simulate, summarize } from './simulate.js';
export type { SimulateOptions, SimulateResult } from './simulate.js';
export { produceToKafka, createSimProducer, readNdjsonEvents } from './kafka.js';
export type { ProduceOptions, ProduceResult, MinimalProducer } from './kafka.js';
export { validateWireEvent, wireTs, wireRecordCount } from './wire.js';
export type { WireEvent } from './wire.js';
export { INCIDENT_TYPES, LOOKALIKE_TYPES } from './types.js';
export type { IncidentSpec, IncidentType, LookalikeType, IncidentLabel, LookalikeLabel, SimLabels, SimCounts } from './types.js';
export { INCIDENT_WINDOW_MS, LOOKALIKE_WINDOW_MS, defaultIncidentSpecs } from './incidents.js';
export { ROLES, DIRECTORY_HEADER, MIN_ACTORS } from './org.js';
export type { Role, SimActor } from './org.js';
export { parseIncidentsArg } from './args.js';
