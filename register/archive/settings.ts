/** The settings of `streetsense archive build`: flags, STREETSENSE_* variables and docs/config.md come from it. */
import type { SettingsOf, SettingsSchema } from '../../core/index.js'
import { INFLUX_READ_SETTINGS } from '../config-schema.js'

const BOROUGH_CODE = '^E090000(0[1-9]|[12][0-9]|3[0-3])$'

export const ArchiveSettingsSchema = {
  $id: 'streetsense:settings:archive',
  type: 'object',
  additionalProperties: false,
  properties: {
    dataDir: { type: 'string', description: 'data directory holding the registry', default: '.data' },
    archiveDir: {
      type: 'string',
      description: 'where the archives go (the register serves them from there); default <data-dir>/archives',
    },
    month: {
      type: 'string',
      description: 'the month to build, YYYY-MM (default: the previous month)',
      pattern: '^\\d{4}-(0[1-9]|1[0-2])$',
    },
    boroughs: {
      type: 'array',
      description: 'boroughs to build, comma-separated codes (default: every borough with open sensors)',
      items: { type: 'string', pattern: BOROUGH_CODE },
      default: [],
    },
    formats: {
      type: 'array',
      description: 'formats to build: csv (gzipped), parquet',
      items: { type: 'string', pattern: '^(csv|parquet)$' },
      default: ['csv', 'parquet'],
    },
    ...INFLUX_READ_SETTINGS,
  },
} as const satisfies SettingsSchema

export type ArchiveSettings = SettingsOf<typeof ArchiveSettingsSchema>
