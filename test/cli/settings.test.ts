import { Command } from 'commander'
import { describe, expect, expectTypeOf, it } from 'vitest'
import type { BrokerSettings } from '../../broker/index.js'
import { SERVICE_SETTINGS } from '../../cli/service-settings.js'
import type { UpSettings } from '../../cli/up/up-settings.js'
import { StreetsenseError } from '../../core/index.js'
import { addSettingOptions, envName, flagName, loadSettings, type SettingsSchema } from '../../core/settings.js'
import type { EdgeConfig, EdgeSettings } from '../../edge/index.js'
import type { IngestConfig } from '../../ingest/index.js'

const schema: SettingsSchema = {
  $id: 'test:settings',
  type: 'object',
  additionalProperties: false,
  required: ['dataDir'],
  properties: {
    dataDir: { type: 'string', description: 'data directory', minLength: 1 },
    port: { type: 'integer', description: 'port', minimum: 0, maximum: 65535, default: 1883 },
    boroughs: { type: 'array', description: 'boroughs', items: { type: 'string', pattern: '^E09' }, default: [] },
    tls: { type: 'boolean', description: 'tls', default: false },
  },
}

describe('settings', () => {
  it('names flags and variables the same way everywhere', () => {
    expect(flagName('influxOrg')).toBe('--influx-org')
    expect(envName('influxOrg')).toBe('STREETSENSE_INFLUX_ORG')
  })

  it('applies defaults, then environment, then flags', () => {
    const env = { STREETSENSE_DATA_DIR: '/env', STREETSENSE_PORT: '2000', STREETSENSE_BOROUGHS: 'E09000001, E09000002' }
    expect(loadSettings(schema, {}, env)).toEqual({
      dataDir: '/env',
      port: 2000,
      boroughs: ['E09000001', 'E09000002'],
      tls: false,
    })
    expect(loadSettings(schema, { port: '3000', tls: true }, env)).toMatchObject({ port: 3000, tls: true })
  })

  it('fails with the flag and variable named', () => {
    expect(() => loadSettings(schema, { dataDir: 'x', port: '70000' }, {})).toThrow(
      /--port \/ STREETSENSE_PORT: must be <= 65535/,
    )
    try {
      loadSettings(schema, {}, {})
      expect.unreachable()
    } catch (err) {
      expect(err).toBeInstanceOf(StreetsenseError)
      expect((err as StreetsenseError).field).toBe('dataDir')
      expect((err as StreetsenseError).code).toBe('IOT_CONFIG_INVALID')
    }
  })

  it('freezes the result', () => {
    const s = loadSettings<{ dataDir: string }>(schema, { dataDir: 'x' }, {})
    expect(Object.isFrozen(s)).toBe(true)
  })

  it('declares a commander option per setting', () => {
    const cmd = addSettingOptions(new Command('x'), schema)
    cmd.parse(['--data-dir', '/d', '--port', '5', '--tls'], { from: 'user' })
    expect(loadSettings(schema, cmd.opts(), {})).toMatchObject({ dataDir: '/d', port: 5, tls: true })
  })

  // The settings types are derived from the schemas (SettingsOf): a defaulted setting is typed as
  // always present, so loadSettings must fill every default of every service.
  it.each(SERVICE_SETTINGS)('fills every default of $command, as its derived type promises', ({ schema }) => {
    const required = Object.fromEntries((schema.required ?? []).map((key) => [key, 'x']))
    const loaded = loadSettings<Record<string, unknown>>(schema, required, {})
    for (const [key, spec] of Object.entries(schema.properties)) {
      if (spec.default !== undefined) expect(loaded[key], key).toEqual(spec.default)
    }
  })

  it('types defaulted settings as present and the others as optional (checked by tsc)', () => {
    expectTypeOf<BrokerSettings['port']>().toEqualTypeOf<number>()
    expectTypeOf<BrokerSettings['tlsPort']>().toEqualTypeOf<number | undefined>()
    expectTypeOf<IngestConfig['boroughs']>().toEqualTypeOf<string[]>()
    expectTypeOf<IngestConfig['influxOrg']>().toEqualTypeOf<string | undefined>()
    expectTypeOf<UpSettings['influxUrl']>().toEqualTypeOf<string | undefined>()
    expectTypeOf<EdgeSettings['logLevel']>().toEqualTypeOf<'debug' | 'info' | 'warn' | 'error'>()
    expectTypeOf<EdgeConfig['outbox']['maxRows']>().toEqualTypeOf<number>()
    expectTypeOf<Extract<EdgeConfig['sensors'][number], { driver: 'sds011' }>['port']>().toEqualTypeOf<string>()
  })
})
