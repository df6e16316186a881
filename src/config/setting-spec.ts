/**
 * The shape of one setting (env var, schema, default, flags, description),
 * apart from the table of settings (settings.ts) so that a part declaring its
 * own settings (an enrichment source, src/runtime/enrich/sources/) can build
 * them without importing the table it is spread into.
 */
import type { z } from 'zod';

export interface SettingSpec<S extends z.ZodType = z.ZodType> {
  readonly env: string;
  readonly schema: S;
  /** undefined: required. */
  readonly default?: z.input<S>;
  readonly secret?: boolean;
  /** URLs may carry credentials or tokens: errors never echo the value (logs show the origin only). */
  readonly url?: boolean;
  /**
   * The default is a path inside the rules folder (`rules_dir`): a monitor
   * pointed at another rules folder reads that folder's enrichment files, not
   * the shipped examples under the working directory.
   */
  readonly underRulesDir?: boolean;
  readonly description: string;
}

export const setting = <S extends z.ZodType>(spec: SettingSpec<S>): SettingSpec<S> => spec;
