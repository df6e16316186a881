/**
 * Field sensitivity classes (rules/enrichment/fields.yaml): each accessed field
 * maps to a class; fields not listed get `default_class`.
 */
import { z } from 'zod';

const name = z.string().regex(/^[a-z][a-z0-9_]*$/, 'must be lower_snake_case');

export const fieldsFileSchema = z
  .object({
    /** Every class, least to most sensitive. */
    classes: z.array(name).min(1),
    /** Class of a field that is not listed: err on the side of sensitive. */
    default_class: name,
    fields: z.record(z.string().min(1), name),
  })
  .strict()
  .superRefine((f, ctx) => {
    const known = new Set(f.classes);
    if (!known.has(f.default_class)) {
      ctx.addIssue({ code: 'custom', path: ['default_class'], message: `"${f.default_class}" is not in classes` });
    }
    for (const [field, cls] of Object.entries(f.fields)) {
      if (!known.has(cls)) ctx.addIssue({ code: 'custom', path: ['fields', field], message: `"${cls}" is not in classes` });
    }
  });

export class FieldClasses {
  private readonly byField: ReadonlyMap<string, string>;
  private readonly defaultClass: string;
  readonly classes: readonly string[];

  /** Per field, the bits of `classes` (by index) naming its class; null when there are too many classes for a 31-bit mask. */
  private readonly bitsByField: ReadonlyMap<string, number> | null;
  private readonly defaultBits: number;
  /** The answer for each set of class bits: events repeat a handful of field lists, and share these (read-only) arrays. */
  private readonly byBits = new Map<number, readonly string[]>();

  constructor(file: z.infer<typeof fieldsFileSchema>) {
    this.byField = new Map(Object.entries(file.fields));
    this.defaultClass = file.default_class;
    this.classes = file.classes;
    const bitsOf = (cls: string) => this.classes.reduce((bits, c, i) => (c === cls ? bits | (1 << i) : bits), 0);
    this.bitsByField = this.classes.length <= 31 ? new Map([...this.byField].map(([field, cls]) => [field, bitsOf(cls)])) : null;
    this.defaultBits = bitsOf(this.defaultClass);
  }

  /** The class of a field the file does not list (`custos check` warns where it refuses reports). */
  get defaultClassName(): string {
    return this.defaultClass;
  }

  isListed(field: string): boolean {
    return this.byField.has(field);
  }

  /** Distinct classes of the given fields, in the file's sensitivity order. */
  classesOf(fields: readonly string[]): readonly string[] {
    if (fields.length === 0) return [];
    // One mask per event, and the classes of each mask built once: a Set and a filtered
    // array per event were most of what enrich allocated (and kept with the event).
    const bitsByField = this.bitsByField;
    if (bitsByField !== null) {
      let bits = 0;
      for (let i = 0; i < fields.length; i++) bits |= bitsByField.get(fields[i]!) ?? this.defaultBits;
      const known = this.byBits.get(bits);
      if (known !== undefined) return known;
      const classes = this.classes.filter((_, i) => (bits & (1 << i)) !== 0);
      if (this.byBits.size >= 4096) this.byBits.clear();
      this.byBits.set(bits, classes);
      return classes;
    }
    const seen = new Set<string>();
    for (const field of fields) seen.add(this.byField.get(field) ?? this.defaultClass);
    return this.classes.filter((c) => seen.has(c));
  }
}
