/** Readings and a started in-process ingest for the ingest flow tests. */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pino } from 'pino'
import { type IngestConfig, ingestConfig } from '../../ingest/config.js'
import { type StaticAccount, type StaticSensor, staticDirectory } from '../../ingest/directory/sensor-directory.js'
import { type RunningIngest, startIngest } from '../../ingest/service.js'
import type { Reading } from '../../schemas/types.gen.js'

export const BASE_TIME = Date.parse('2026-11-27T09:00:00Z')

export function airReading(sensor: string, borough: string, seq: number, values: Record<string, number> = {}): Reading {
  return {
    sensor,
    borough,
    kind: 'air',
    time: new Date(BASE_TIME + seq * 1000).toISOString(),
    interval: 60,
    seq,
    values: { pm2_5: 10 + (seq % 7), pm10: 20 + (seq % 5), ...values },
  }
}

export const SENSORS: StaticSensor[] = [
  { id: 'cam-1', borough: 'E09000007', status: 'active', kind: 'air', password: 'pw-cam-1' },
  { id: 'cam-2', borough: 'E09000007', status: 'active', kind: 'air', password: 'pw-cam-2' },
  { id: 'hck-t1', borough: 'E09000012', status: 'active', kind: 'traffic', password: 'pw-t1' },
  { id: 'old-1', borough: 'E09000012', status: 'retired', kind: 'air', password: 'pw-old' },
  { id: 'sc-1234567', borough: 'E09000019', status: 'active', kind: 'air', password: 'pw-sc' },
]

export const ADMIN: StaticAccount = { username: 'ops', password: 'ops-pw', role: 'admin', boroughs: [] }

export interface IngestFixture {
  ingest: RunningIngest
  config: IngestConfig
  dataDir: string
  close(): Promise<void>
}

export async function startTestIngest(
  overrides: Partial<IngestConfig>,
  opts: { mqtt?: boolean } = {},
): Promise<IngestFixture> {
  const dataDir = mkdtempSync(join(tmpdir(), 'ingest-flow-'))
  const config = ingestConfig({
    dataDir,
    httpHost: '127.0.0.1',
    httpPort: 0,
    opsPort: 0,
    flushIntervalMs: 20,
    ...overrides,
  })
  const ingest = await startIngest(config, {
    logger: pino({ level: process.env.TEST_LOG ?? 'silent' }),
    directory: staticDirectory(SENSORS, [ADMIN, { username: 'reader', password: 'r', role: 'reader', boroughs: [] }]),
    mqtt: opts.mqtt,
  })
  return {
    ingest,
    config,
    dataDir,
    async close() {
      await ingest.close()
      rmSync(dataDir, { recursive: true, force: true })
    },
  }
}

export const basic = (user: string, pass: string): string =>
  `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`
