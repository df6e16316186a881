/**
 * OCSF Detection Findings (schema 1.8.0, finding.ts) for SIEMs, to a Kafka
 * topic or to a file: every revision, closings included (activity Close),
 * so `closings: true`.
 *
 *   alerts.destinations:
 *     - { kind: ocsf, topic: security.findings.custos }    # on custos' Kafka connection (CUSTOS_KAFKA_*)
 *     - { kind: ocsf, file: /var/log/custos/findings.ocsf.jsonl, min_severity: medium }
 *
 * Kafka: key = alert id, idempotent producer, acks from all in-sync
 * replicas; the producer connects at start and disconnects at stop. File:
 * one finding per line (NDJSON), mode 0600, fsynced per batch of lines
 * before any of them counts as delivered.
 */
import { resolve } from 'node:path';
import { z } from 'zod';
import type { DestinationKind } from '../../destination.js';
import { derivedDestinationId, destinationIdSchema, minSeveritySchema, severitiesFrom } from '../../destination-config.js';
import { webhookIdOf } from '../../payload.js';
import { custosVersion } from '../../user-agent.js';
import { fileWriter } from './file.js';
import { detectionFinding, OCSF_SCHEMA_VERSION, type ProductInfo } from './finding.js';
import { topicWriter } from './topic.js';
import type { FindingWriter } from './writer.js';

export const ocsfConfigSchema = z
  .strictObject({
    id: destinationIdSchema.optional(),
    /** A Kafka topic (it must exist). */
    topic: z.string().regex(/^[A-Za-z0-9._-]{1,249}$/, 'must be a Kafka topic name ([A-Za-z0-9._-], 1 to 249 characters)').optional(),
    /** A file path; the folder must exist. */
    file: z.string().min(1, 'must be a file path').optional(),
    min_severity: minSeveritySchema,
  })
  .refine((c) => (c.topic === undefined) !== (c.file === undefined), 'needs exactly one of topic and file');

export const OCSF: DestinationKind<typeof ocsfConfigSchema> = {
  kind: 'ocsf',
  summary: `OCSF ${OCSF_SCHEMA_VERSION} Detection Findings (class 2004), one per revision, to a Kafka topic or a file`,
  schema: ocsfConfigSchema,
  create(config, context) {
    let writer: FindingWriter;
    let identity: string;
    if (config.topic !== undefined) {
      if (context.kafka === undefined) throw new RangeError('a topic needs the Kafka connection, which this context does not have');
      writer = topicWriter(context.kafka, config.topic);
      identity = `topic\u0000${config.topic}`;
    } else {
      const path = resolve(config.file ?? '');
      writer = fileWriter(path, context.logger);
      identity = `file\u0000${path}`;
    }
    const product: ProductInfo = { name: 'custos', vendor_name: 'custos', version: custosVersion() };
    return {
      id: config.id ?? derivedDestinationId('ocsf', identity),
      label: writer.label,
      severities: severitiesFrom(config.min_severity),
      closings: true,
      prepare: ({ alert, storedAtMs }) => ({ id: webhookIdOf(alert), key: alert.alert_id, body: JSON.stringify(detectionFinding(alert, storedAtMs, product)) }),
      send: (message, attempt) => writer.write(message, attempt),
      start: () => writer.start(),
      stop: () => writer.stop(),
    };
  },
};
