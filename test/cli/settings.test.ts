import { Command } from 'commander'
import { describe, expect, it } from 'vitest'
import { StreetsenseError } from '../../core/index.js'
import { addSettingOptions, envName, flagName, loadSettings, type SettingsSchema } from '../../core/settings.js'

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
})
