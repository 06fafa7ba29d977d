/**
 * Deleting one sensor's points in a time range, and counting them first (for the audit record),
 * on every measurement that carries the `sensor` tag (air, traffic, device_status, and any added
 * later). InfluxDB 1.x: InfluxQL `DELETE WHERE "sensor" = '...' AND time ...` on /query.
 * InfluxDB 2.x: POST /api/v2/delete with the predicate `sensor="..."` and start/stop (inclusive,
 * so stop is 1 ns before the exclusive end). Counting is InfluxQL on /query, which 2.x serves
 * through its v1 API (a DBRP mapping of the bucket, as the register's reads need). InfluxDB 3
 * has no delete by predicate: the 2.x call fails there and the error says so.
 */
import { StreetsenseError } from '../../core/index.js'
import type { InfluxTarget } from '../store/influx-http.js'

/** [from, to) in epoch ms; from undefined = from the first point. */
export interface TimeRange {
  from?: number
  to: number
}

const quoted = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`

function whereOf(sensor: string, { from, to }: TimeRange): string {
  const lower = from === undefined ? '' : ` AND time >= ${Math.trunc(from)}ms`
  return `"sensor" = ${quoted(sensor)}${lower} AND time < ${Math.trunc(to)}ms`
}

function headers(t: InfluxTarget, json = false): Record<string, string> {
  const h: Record<string, string> = json ? { 'content-type': 'application/json' } : {}
  if (t.influxToken) h.authorization = `Token ${t.influxToken}`
  return h
}

function failed(what: string, detail: string): StreetsenseError {
  return new StreetsenseError('IOT_INGEST_DELETE_FAILED', `${what}: ${detail.slice(0, 500)}`)
}

interface QueryBody {
  error?: string
  results?: { error?: string; series?: { values: (number | null)[][] }[] }[]
}

async function influxql(t: InfluxTarget, q: string, what: string): Promise<QueryBody> {
  const body = new URLSearchParams({ db: t.influxDb, q, epoch: 'ms' })
  let res: Response
  try {
    res = await fetch(`${t.influxUrl}/query`, { method: 'POST', headers: headers(t), body, signal: timeout() })
  } catch (err) {
    throw failed(what, `InfluxDB unreachable: ${(err as Error).message}`)
  }
  const parsed = (await res.json().catch(() => ({ error: `HTTP ${res.status}` }))) as QueryBody
  const error = parsed.error ?? parsed.results?.find((r) => r.error)?.error
  // An empty store has nothing to delete.
  if (error && !/database not found/.test(error)) throw failed(what, error)
  if (!res.ok && !error) throw failed(what, `HTTP ${res.status}`)
  return parsed
}

const timeout = () => AbortSignal.timeout(120_000)

/**
 * Points of the sensor in the range: per measurement the count of its most frequent field (every
 * reading has `seq`, every heartbeat `uptime`), summed over measurements.
 */
export async function countPoints(t: InfluxTarget, sensor: string, range: TimeRange): Promise<number> {
  const body = await influxql(t, `SELECT COUNT(*) FROM /.*/ WHERE ${whereOf(sensor, range)}`, 'count')
  let points = 0
  for (const series of body.results?.[0]?.series ?? []) {
    for (const row of series.values) points += Math.max(0, ...row.slice(1).map((v) => Number(v ?? 0)))
  }
  return points
}

/** The RFC 3339 time 1 ns before `ms` (v2's stop is inclusive). */
const justBefore = (ms: number) => new Date(ms - 1).toISOString().replace('Z', '999999Z')
/** The earliest time InfluxDB stores. */
const EARLIEST = '1677-09-21T00:12:43.145224194Z'

export async function deletePoints(t: InfluxTarget, sensor: string, range: TimeRange): Promise<void> {
  if (t.influxOrg === undefined) {
    await influxql(t, `DELETE WHERE ${whereOf(sensor, range)}`, 'delete')
    return
  }
  const q = new URLSearchParams({ org: t.influxOrg, bucket: t.influxBucket ?? '' })
  const body = JSON.stringify({
    start: range.from === undefined ? EARLIEST : new Date(range.from).toISOString(),
    stop: justBefore(range.to),
    predicate: `sensor="${sensor.replace(/["\\]/g, '')}"`,
  })
  let res: Response
  try {
    res = await fetch(`${t.influxUrl}/api/v2/delete?${q}`, {
      method: 'POST',
      headers: headers(t, true),
      body,
      signal: timeout(),
    })
  } catch (err) {
    throw failed('delete', `InfluxDB unreachable: ${(err as Error).message}`)
  }
  if (res.status !== 204 && res.status !== 200) {
    throw failed('delete', `HTTP ${res.status} ${await res.text()} (InfluxDB 3 cannot delete by predicate)`)
  }
}

/** Whether an error means InfluxDB could not be reached (try again later) rather than refused. */
export const isUnreachable = (err: unknown): boolean => err instanceof Error && /unreachable/.test(err.message)
