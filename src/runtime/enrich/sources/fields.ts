/** Field sensitivity classes (fields.yaml): the event's `field_classes`, distinct, in sensitivity order. */
import { z } from 'zod';
import { setting } from '../../../config/setting-spec.js';
import { parseYamlWith } from '../../../util/yaml-validate.js';
import { checkFieldClassReferences, checkUnlistedFieldDefault } from '../../check/rule-checks.js';
import { FieldClasses, fieldsFileSchema } from '../field-classes.js';
import { defineEnrichmentSource, readSourceFile } from '../source.js';

export const FIELDS = defineEnrichmentSource({
  name: 'fieldClasses',
  fileKey: 'fieldsFile',
  settingKey: 'enrichment.fields_file',
  setting: setting({ env: 'CUSTOS_FIELDS_FILE', schema: z.string().min(1), default: 'enrichment/fields.yaml', underRulesDir: true, description: 'Field sensitivity classes.' }),
  label: 'fields',
  option: 'fields',
  flag: { description: 'field classes file (default: $CUSTOS_FIELDS_FILE, else <rules>/enrichment/fields.yaml)' },
  load: (file) => new FieldClasses(parseYamlWith(readSourceFile(file), file, fieldsFileSchema)),
  crossCheck: (fields, { file, ruleSet, index }) => [
    ...checkFieldClassReferences(fields, file, ruleSet, index),
    ...checkUnlistedFieldDefault(fields, file, ruleSet, index),
  ],
  attribute: 'field_classes',
  step: (fields) => (event) => fields.classesOf(event.fields),
  draft: () => undefined,
  columns: [{ name: 'field_classes', type: 'Array(String)', write: (e) => e.field_classes, read: (v, d) => void (d.field_classes = v) }],
});
