/**
 * Every service's settings schema, by command. docs/config.md is generated from this list
 * (`npm run docs:config`), and the compose check uses it to know which variables a service reads.
 */
import { BrokerSettingsSchema, RegistrySettingsSchema } from '../broker/index.js'
import type { SettingsSchema } from '../core/index.js'
import { EdgeSettingsSchema, UpdaterSettingsSchema } from '../edge/index.js'
import { IngestSettingsSchema } from '../ingest/index.js'
import { ArchiveSettingsSchema, RegisterSettingsSchema } from '../register/index.js'
import { DevicesSettingsSchema } from './commands/devices/admin-client.js'
import { RetentionSettingsSchema } from './commands/governance/data.js'
import { UpSettingsSchema } from './up/up-settings.js'

export interface CommandSettings {
  command: string
  summary: string
  schema: SettingsSchema
}

export const SERVICE_SETTINGS: readonly CommandSettings[] = [
  { command: 'up', summary: 'the whole platform on one machine (`npm start`)', schema: UpSettingsSchema },
  { command: 'broker', summary: 'the MQTT broker', schema: BrokerSettingsSchema as SettingsSchema },
  { command: 'sensors', summary: 'the sensor registry commands', schema: RegistrySettingsSchema as SettingsSchema },
  {
    command: 'ingest',
    summary: 'the ingest: MQTT and HTTP device intake, spool, InfluxDB writer',
    schema: IngestSettingsSchema as SettingsSchema,
  },
  {
    command: 'register',
    summary: 'the public register, open data API, exports and admin API',
    schema: RegisterSettingsSchema as SettingsSchema,
  },
  {
    command: 'data retention',
    summary: "delete readings past their sensor's retention now (the ingest does it every hour)",
    schema: RetentionSettingsSchema as SettingsSchema,
  },
  { command: 'archive build', summary: 'monthly archive files per borough', schema: ArchiveSettingsSchema },
  { command: 'edge run', summary: 'the edge agent on a node', schema: EdgeSettingsSchema },
  {
    command: 'fleet updater',
    summary: "the node's updater (also /opt/streetsense/updater/updater.mjs; /etc/streetsense/updater.env)",
    schema: UpdaterSettingsSchema,
  },
  {
    command: 'devices',
    summary: "an operator's commands to devices, through the admin API",
    schema: DevicesSettingsSchema,
  },
]

/** Variables read outside any one schema. */
export const GLOBAL_VARIABLES: Record<string, string> = {
  STREETSENSE_LOG_LEVEL: 'log level of every service (debug, info, warn, error); default info',
  STREETSENSE_API_PASSWORD:
    'password of the operator or admin account `streetsense devices` uses (or --api-password-file; never a flag)',
  STREETSENSE_LOG_FORMAT:
    'json (one JSON object per line) or pretty (one line for a person); default: pretty when stdout is a terminal, else json',
}
