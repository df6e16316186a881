/**
 * `custos pseudonym <customer-id>`: what an investigator holding the key runs
 * to find one customer's accesses. Reads the key from CUSTOS_PSEUDONYM_KEY
 * (never from the command line, where it would land in shell history).
 */
import { createPseudonymizer } from '../privacy/pseudonym.js';

export function pseudonymCommand(customerIds: string[]): number {
  const key = process.env.CUSTOS_PSEUDONYM_KEY ?? '';
  if (key.length < 32) {
    process.stderr.write('custos: set CUSTOS_PSEUDONYM_KEY (at least 32 characters) to the key custos runs with\n');
    return 78;
  }
  const pseudonymize = createPseudonymizer(key);
  for (const id of customerIds) process.stdout.write(`${id}\t${pseudonymize(id)}\n`);
  return 0;
}
