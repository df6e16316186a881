/**
 * The enrichment sources, in the order their steps run and their columns
 * are stored (a step may read the attributes of the sources before it: the
 * calendar reads the actor's time zone). A new source is one file beside
 * these and one line here (and its attribute in model/enriched.ts).
 */
import type { SettingSpec } from '../../../config/setting-spec.js';
import type { z } from 'zod';
import { CALENDAR } from './calendar.js';
import { DIRECTORY } from './directory.js';
import { FIELDS } from './fields.js';
import { ZONES } from './zones.js';

export const ENRICHMENT_SOURCES = [DIRECTORY, ZONES, CALENDAR, FIELDS] as const;

export type EnrichmentSourceOf = (typeof ENRICHMENT_SOURCES)[number];
export type EnrichmentSourceName = EnrichmentSourceOf['name'];

/** Each source's file setting by its key (spread into the settings table, src/config/settings.ts). */
export type EnrichmentSettings = { readonly [S in EnrichmentSourceOf as S['settingKey']]: SettingSpec<z.ZodString> };
export const ENRICHMENT_SETTINGS = Object.fromEntries(ENRICHMENT_SOURCES.map((s) => [s.settingKey, s.setting])) as EnrichmentSettings;
export type EnrichmentSettingKey = keyof EnrichmentSettings;

/** The command-line option of each source's file, by its key (`zones` for `--zones <file>`). */
export type EnrichmentFileOptions = { readonly [S in EnrichmentSourceOf as S['option']]?: string | undefined };
