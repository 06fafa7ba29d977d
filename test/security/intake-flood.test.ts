/**
 * Issue 14, item 6: one device's password was enough to fill the disk. 1,000 non-JSON POSTs of
 * 250 KB added 251 MB to the quarantine in 4 s (its bound was 100,000 rows, ~25 GB). Now the
 * quarantine keeps a prefix of each payload (its full size is recorded) and is bounded in bytes,
 * and HTTP intake is rate-limited per device. Against the real `streetsense ingest` process.
 */
import { statSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type InfluxServer, startInfluxd } from '../helpers/influxd.js'
import {
  addAccount,
  addSensor,
  type BrokerProcess,
  cli,
  type IngestProcess,
  type Issued,
  startBroker,
  startIngest,
  tempDir,
} from '../helpers/processes.js'

const CAMDEN = 'E09000007'
const FLOOD = 1000
const BODY = Buffer.alloc(250 * 1000, 0x21) // 250 KB of '!': not JSON
const MAX_BYTES = 1024 * 1024

describe('HTTP intake floods: quarantine bounded in bytes, rate per device (real ingest)', () => {
  const data = tempDir('ss-flood-')
  let influx: InfluxServer
  let broker: BrokerProcess
  let device: Issued
  let ingestAccount: Issued
  let ingest: IngestProcess | undefined

  const start = (args: string[]) =>
    startIngest({
      dataDir: data.dir,
      mqttUrl: broker.url,
      username: ingestAccount.username,
      password: ingestAccount.password,
      influxUrl: influx.url,
      args,
    })
  const post = (body: Buffer | string) =>
    fetch(`${ingest!.url}/v1/readings`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${device.password}`, 'x-sensor': 'cam-1' },
      body: typeof body === 'string' ? body : new Uint8Array(body),
    })
  /** Sends `n` posts, `parallel` at a time; returns the count of each status. */
  const flood = async (n: number, parallel: number, body: Buffer) => {
    const statuses: Record<number, number> = {}
    let next = 0
    const worker = async () => {
      while (next < n) {
        next++
        const res = await post(body)
        await res.arrayBuffer()
        statuses[res.status] = (statuses[res.status] ?? 0) + 1
      }
    }
    await Promise.all(Array.from({ length: parallel }, worker))
    return statuses
  }
  const quarantineOnDisk = () =>
    ['', '-wal', '-shm'].reduce((sum, ext) => {
      try {
        return sum + statSync(join(data.dir, `ingest-quarantine.sqlite${ext}`)).size
      } catch {
        return sum
      }
    }, 0)

  beforeAll(async () => {
    device = await addSensor(data.dir, 'cam-1', CAMDEN)
    ingestAccount = await addAccount(data.dir, 'ingest', 'ingest')
    influx = await startInfluxd()
    broker = await startBroker(data.dir)
  }, 120_000)

  afterAll(async () => {
    await ingest?.stop()
    await broker?.stop()
    await influx?.stop()
    data.remove()
  })

  it('keeps the quarantine within its byte bound, with a prefix and the size of each payload', async () => {
    // No rate limit here: every one of the 1,000 payloads reaches the quarantine.
    ingest = await start(['--quarantine-max-bytes', String(MAX_BYTES), '--http-requests-per-second-per-device', '0'])
    const statuses = await flood(FLOOD, 16, BODY)
    expect(statuses).toEqual({ 400: FLOOD })
    const metrics = await (await fetch(`${ingest.opsUrl}/metrics`)).text()
    const held = Number(/^streetsense_ingest_quarantine_bytes (\d+)/m.exec(metrics)?.[1])
    const rejected = Number(
      /streetsense_ingest_messages_rejected_total\{sensor="cam-1",code="READING_NOT_JSON"\} (\d+)/.exec(metrics)?.[1],
    )
    const disk = quarantineOnDisk()
    console.log(
      `quarantine flood: ${FLOOD} x 250 KB offered (${(FLOOD * BODY.length) / 1e6} MB); held ${(held / 1e6).toFixed(2)} MB of text, ${(disk / 1e6).toFixed(2)} MB on disk`,
    )
    expect(rejected).toBe(FLOOD) // every one is counted as rejected
    expect(held).toBeLessThanOrEqual(MAX_BYTES)
    expect(disk).toBeLessThan(16 * MAX_BYTES) // the file and its WAL, against 250 MB before
    await ingest.stop()
    ingest = undefined
    const listed = JSON.parse(await cli(['quarantine', 'list', '--data-dir', data.dir, '--json', '--limit', '1'])) as {
      items: { raw: string; size: number; truncated: number; code: string }[]
    }
    const [newest] = listed.items
    expect(newest).toMatchObject({ code: 'READING_NOT_JSON', size: BODY.length, truncated: BODY.length - 4096 })
    expect(newest!.raw).toBe('!'.repeat(4096))
  }, 240_000)

  it('refuses a device over its HTTP rate with 429 and Retry-After, and acknowledges nothing it refused', async () => {
    ingest = await start(['--http-requests-per-second-per-device', '1', '--http-request-burst', '5'])
    const began = Date.now()
    const statuses = await flood(40, 8, Buffer.from('{"not":"a reading"}'))
    const elapsedSeconds = (Date.now() - began) / 1000
    // A token bucket of 5 refilled at 1/s admits at most 5 + 1 per second elapsed.
    const admitted = statuses[400] ?? 0
    expect(admitted).toBeLessThanOrEqual(5 + Math.ceil(elapsedSeconds))
    expect(statuses[429]).toBe(40 - admitted)
    const refused = await post('{}')
    expect(refused.status).toBe(429)
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1)
    expect(((await refused.json()) as { code: string }).code).toBe('IOT_INGEST_RATE_LIMITED')
  }, 120_000)
})
