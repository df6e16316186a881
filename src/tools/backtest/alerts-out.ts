/**
 * `custos backtest --alerts-out FILE`: every alert revision the replay emits,
 * one per line, in emission order, each the exact JSON body a webhook
 * destination POSTs for it (the destinations' payload builder,
 * `alertPayloadBody`), so whatever scores or reviews webhook messages reads
 * this file unchanged. `timestamp` is the virtual time the revision was
 * emitted at (live: when it was stored). Unlike a webhook endpoint, which is
 * sent openings and escalations only, the file holds every revision: merged
 * follow-ups and the closing one (`data.status` = `closed`) too; `type`
 * follows the webhook's rule (revision 1 opened, later ones escalated).
 * Mode 0600: alerts name employees.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import type { StoredAlertUpdate } from '../../model/alert.js';
import { alertPayloadBody } from '../../runtime/outputs/alerts/payload.js';

/** Written in chunks of about this many bytes (a line per write would be a system call per revision). */
const FLUSH_BYTES = 64 * 1024;

export interface AlertsOut {
  add(update: StoredAlertUpdate, at: number): void;
  /** Writes what is buffered and closes the file; returns the revisions written. */
  close(): number;
}

export function openAlertsOut(file: string): AlertsOut {
  const fd = openSync(file, 'w', 0o600);
  let buffer = '';
  let lines = 0;
  const flush = () => {
    if (buffer !== '') writeSync(fd, buffer);
    buffer = '';
  };
  return {
    add(update, at) {
      buffer += `${alertPayloadBody(update.alert, at)}\n`;
      lines++;
      if (buffer.length >= FLUSH_BYTES) flush();
    },
    close() {
      try {
        flush();
      } finally {
        closeSync(fd);
      }
      return lines;
    },
  };
}
