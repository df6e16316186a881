#!/usr/bin/env node
/** The custos command line. Each command lives in its own module; this file only wires them. */
import { Command } from 'commander';
import { pseudonymCommand } from './pseudonym.js';
import { runCommand } from './run.js';

const program = new Command()
  .name('custos')
  .description('Watches data-access events for unusual bulk reads of customer records and raises explained alerts.')
  .showHelpAfterError();

const exitWith = (code: number) => {
  process.exitCode = code;
};

program
  .command('run')
  .description('Run the monitor: consume events from Kafka, store to ClickHouse, alert to webhooks.')
  .option('-c, --config <file>', 'YAML config file (default: $CUSTOS_CONFIG_FILE); environment variables override it')
  .action(async (opts: { config?: string }) => exitWith(await runCommand(opts)));

program
  .command('pseudonym')
  .description('Print the pseudonym of customer ids under $CUSTOS_PSEUDONYM_KEY, to find their accesses in ClickHouse.')
  .argument('<customer-id...>')
  .action((ids: string[]) => exitWith(pseudonymCommand(ids)));

await program.parseAsync(process.argv);
// A finished command exits even if a library left a timer or socket behind.
process.exit(process.exitCode ?? 0);
