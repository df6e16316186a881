import { describe, expect, it } from 'vitest';
import { FieldClasses } from '../../../src/runtime/enrich/field-classes.js';

/** What classesOf answered before it kept one answer per set of classes: the distinct classes in the file's order. */
const reference = (file: { classes: string[]; default_class: string; fields: Record<string, string> }, fields: readonly string[]) => {
  if (fields.length === 0) return [];
  const seen = new Set(fields.map((f) => file.fields[f] ?? file.default_class));
  return file.classes.filter((c) => seen.has(c));
};

describe('FieldClasses.classesOf', () => {
  const files = [
    { classes: ['public', 'contact', 'identity', 'financial'], default_class: 'identity', fields: { name: 'contact', email: 'contact', iban: 'financial', id: 'public' } },
    // A class listed twice appears twice, as the filter over the list always gave.
    { classes: ['a', 'b', 'a'], default_class: 'b', fields: { x: 'a', y: 'b' } },
    // More classes than one mask holds: the Set path.
    { classes: Array.from({ length: 40 }, (_, i) => `c${i}`), default_class: 'c39', fields: Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`f${i}`, `c${i}`])) },
  ];
  it('gives the distinct classes of the fields in the file order, every time the same', () => {
    for (const file of files) {
      const classes = new FieldClasses(file);
      const names = [...Object.keys(file.fields), 'unlisted', 'other'];
      let seed = 7;
      const next = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
      for (let i = 0; i < 3000; i++) {
        const fields = Array.from({ length: Math.floor(next() * 6) }, () => names[Math.floor(next() * names.length)]!);
        expect(classes.classesOf(fields), fields.join(',')).toEqual(reference(file, fields));
        expect(classes.classesOf(fields)).toEqual(reference(file, fields));
      }
    }
  });
});
