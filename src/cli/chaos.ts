/**
 * `custos chaos`: the longer chaos run (`npm run chaos`), not part of the test
 * suite. Exit 0 when nothing was lost or doubled and the alerts equal a clean
 * run's, 1 otherwise. The broker is restarted only when it is the native one
 * this checkout started (scripts/services.sh restart-kafka).
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { differencesAllDocumented, formatChaosReport } from '../tools/chaos/report.js';
import { runChaos, type ChaosEndpoints } from '../tools/chaos/run-chaos.js';

const run = promisify(execFile);

export interface ChaosCommandOptions {
  readonly seed: number;
  readonly actors: number;
  readonly days: number;
  readonly kills: number;
  readonly short: boolean;
}

export async function chaosCommand(o: ChaosCommandOptions, endpoints: ChaosEndpoints): Promise<number> {
  // Only a broker this checkout started natively can be restarted (not one given by endpoints or run by Docker).
  const restartBroker = existsSync('.cache/kafka/pid') ? () => run('bash', ['scripts/services.sh', 'restart-kafka'], { timeout: 180_000 }).then(() => undefined) : undefined;
  const report = await runChaos(
    {
      seed: o.seed,
      actors: o.actors,
      days: o.days,
      partitions: 3,
      randomKills: o.kills,
      ...(o.short ? {} : { extended: { clickhouseFrozenMs: 45_000, clickhouseDownMs: 20_000, receiverDownMs: 60_000, ...(restartBroker ? { restartBroker } : {}) } }),
      log: (line) => process.stderr.write(`${line}\n`),
    },
    endpoints,
  );
  process.stdout.write(`${formatChaosReport(report)}\n`);
  const ok = report.chaos.lost === 0 && report.chaos.duplicatesVisible === 0 && (report.alertsEqual || differencesAllDocumented(report)) && report.chaos.deliveries.undelivered.length === 0;
  return ok ? 0 : 1;
}
