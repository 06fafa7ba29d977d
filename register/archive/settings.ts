/** The settings of `streetsense archive build`: flags, STREETSENSE_* variables and docs/config.md come from it. */
import type { SettingsOf, SettingsSchema } from '../../core/index.js'
import { IngestSettingsSchema } from '../../ingest/index.js'

const INFLUX = IngestSettingsSchema.properties
const BOROUGH_CODE = '^E090000(0[1-9]|[12][0-9]|3[0-3])$'

export const ArchiveSettingsSchema = {
  $id: 'streetsense:settings:archive',
  type: 'object',
  additionalProperties: false,
  properties: {
    dataDir: { type: 'string', description: 'Data directory holding the registry', default: '.data' },
    archiveDir: {
      type: 'string',
      description: 'Where the archives go (the register serves them from there); default <data-dir>/archives',
    },
    month: {
      type: 'string',
      description: 'The month to build, YYYY-MM (default: the previous month)',
      pattern: '^\\d{4}-(0[1-9]|1[0-2])$',
    },
    boroughs: {
      type: 'array',
      description: 'Boroughs to build, comma-separated codes (default: every borough with open sensors)',
      items: { type: 'string', pattern: BOROUGH_CODE },
      default: [],
    },
    formats: {
      type: 'array',
      description: 'Formats to build: csv (gzipped), parquet',
      items: { type: 'string', pattern: '^(csv|parquet)$' },
      default: ['csv', 'parquet'],
    },
    influxUrl: INFLUX.influxUrl,
    influxDb: INFLUX.influxDb,
    influxOrg: INFLUX.influxOrg,
    influxBucket: INFLUX.influxBucket,
    influxToken: INFLUX.influxToken,
  },
} as const satisfies SettingsSchema

export type ArchiveSettings = SettingsOf<typeof ArchiveSettingsSchema>
