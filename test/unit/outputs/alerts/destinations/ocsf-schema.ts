/**
 * The OCSF 1.8.0 Detection Finding (class 2004) as a JSON Schema, for the
 * tests: the attributes custos sends, with the types, enums and requirements
 * of ocsf-schema at tag 1.8.0 (events/base_event.json, events/findings/
 * finding.json, detection_finding.json, objects/finding_info.json,
 * metadata.json, product.json, analytic.json, observable.json, user.json;
 * timestamp_t is epoch milliseconds). Top-level attributes OCSF does not
 * define for the class are refused.
 */
import { Ajv } from 'ajv';

const timestamp = { type: 'integer', minimum: 0 } as const;
const text = { type: 'string', minLength: 1 } as const;

export const DETECTION_FINDING_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['activity_id', 'category_uid', 'class_uid', 'finding_info', 'metadata', 'severity_id', 'time', 'type_uid'],
  properties: {
    activity_id: { enum: [1, 2, 3] },
    activity_name: { enum: ['Create', 'Update', 'Close'] },
    category_uid: { const: 2 },
    category_name: { const: 'Findings' },
    class_uid: { const: 2004 },
    class_name: { const: 'Detection Finding' },
    type_uid: { enum: [200401, 200402, 200403] },
    type_name: { enum: ['Detection Finding: Create', 'Detection Finding: Update', 'Detection Finding: Close'] },
    severity_id: { enum: [0, 1, 2, 3, 4, 5, 6, 99] },
    severity: { enum: ['Unknown', 'Informational', 'Low', 'Medium', 'High', 'Critical', 'Fatal', 'Other'] },
    status_id: { enum: [0, 1, 2, 3, 4, 5, 6, 99] },
    status: text,
    status_detail: text,
    is_alert: { type: 'boolean' },
    time: timestamp,
    timezone_offset: { type: 'integer' },
    start_time: timestamp,
    end_time: timestamp,
    count: { type: 'integer', minimum: 0 },
    message: text,
    finding_info: {
      type: 'object',
      additionalProperties: false,
      required: ['uid'],
      properties: {
        uid: text,
        title: text,
        desc: text,
        types: { type: 'array', items: text },
        created_time: timestamp,
        modified_time: timestamp,
        first_seen_time: timestamp,
        last_seen_time: timestamp,
        analytic: {
          type: 'object',
          additionalProperties: false,
          required: ['type_id'],
          anyOf: [{ required: ['name'] }, { required: ['uid'] }],
          properties: { uid: text, name: text, version: text, type_id: { enum: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 99] }, type: text },
        },
      },
    },
    metadata: {
      type: 'object',
      additionalProperties: false,
      required: ['product', 'version'],
      properties: {
        product: { type: 'object', additionalProperties: false, required: ['name', 'vendor_name', 'version'], properties: { name: { const: 'custos' }, vendor_name: text, version: text } },
        version: { const: '1.8.0' },
        uid: text,
      },
    },
    actor: {
      type: 'object',
      additionalProperties: false,
      required: ['user'],
      properties: { user: { type: 'object', additionalProperties: false, required: ['uid'], properties: { uid: text } } },
    },
    observables: {
      type: 'array',
      items: { type: 'object', additionalProperties: false, required: ['type_id'], properties: { name: text, type_id: { type: 'integer' }, type: text, value: text } },
    },
    evidences: { type: 'array', items: { type: 'object', minProperties: 1, properties: { data: { type: 'object' } } } },
    unmapped: { type: 'object' },
  },
} as const;

export const validDetectionFinding = new Ajv({ allErrors: true }).compile(DETECTION_FINDING_SCHEMA);
