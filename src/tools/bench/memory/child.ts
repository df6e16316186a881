/** Entry point of one memory scenario's process: the options are the one argument (JSON). */
import { MEMORY_PREFIX, runScenario, type ScenarioOptions } from './scenario.js';

const options = JSON.parse(process.argv[2] ?? '{}') as ScenarioOptions;
process.stdout.write(`${MEMORY_PREFIX}${JSON.stringify({ result: runScenario(options) })}\n`);
