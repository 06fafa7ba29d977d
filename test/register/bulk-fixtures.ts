/**
 * A borough of sensors whose readings share timestamps (every sensor reports at the same
 * instants, and a traffic counter's six lanes and directions share each one), for the bulk
 * history, archive and live feed tests. The readings written are the oracle: tests compare what
 * the API serves with these lists, never with a query of their own.
 */
import type { RegisterEntry } from '../../schemas/types.gen.js'
import type { InfluxServer } from '../helpers/influxd.js'
import { CAMDEN_AIR, HACKNEY_TRAFFIC } from './fixtures.js'

export const CAMDEN = 'E09000007'
export const HACKNEY = 'E09000012'
/** Monday 2 November 2026, 00:00 UTC. */
export const T0 = Date.UTC(2026, 10, 2)
export const STEP_MS = 300_000
export const STEPS = 24

const air = (id: string, borough: string, lon: number, extra: Partial<RegisterEntry> = {}): RegisterEntry => ({
  ...CAMDEN_AIR,
  id,
  borough,
  name: `Air ${id}`,
  location: { type: 'Point', coordinates: [lon, 51.54] },
  ...extra,
})

export const BULK_ENTRIES: RegisterEntry[] = [
  air('camden-b-air-1', CAMDEN, -0.14),
  air('camden-b-air-2', CAMDEN, -0.141, { licence: 'CC-BY-4.0' }),
  air('camden-b-air-3', CAMDEN, -0.142),
  air('camden-b-air-4', CAMDEN, -0.2),
  air('camden-b-air-5', CAMDEN, -0.143, { sharing: 'restricted' }),
  {
    ...HACKNEY_TRAFFIC,
    id: 'camden-b-tr-1',
    borough: CAMDEN,
    location: { type: 'Point', coordinates: [-0.144, 51.54] },
  },
  air('hackney-b-air-1', HACKNEY, -0.05),
]

export interface Written {
  sensor: string
  kind: 'air' | 'traffic'
  time: number
  seq: number
  lane?: string
  direction?: string
  values: Record<string, number>
}

const LANES = [
  ['1', 'backward'],
  ['1', 'forward'],
  ['2', 'backward'],
  ['2', 'forward'],
  ['3', 'backward'],
  ['3', 'forward'],
] as const

function airReadings(sensor: string, n: number, k: number): Written[] {
  return Array.from({ length: STEPS }, (_, i) => ({
    sensor,
    kind: 'air' as const,
    time: T0 + i * STEP_MS,
    seq: 100 + i,
    values: { pm2_5: 5 + ((i * 7 + n * 3) % 20) / 2, no2: 20 + ((i + k) % 9), temperature: 10.5 + (i % 4) / 10 },
  }))
}

function trafficReadings(sensor: string): Written[] {
  return Array.from({ length: STEPS }, (_, i) =>
    LANES.map(([lane, direction], j) => {
      const car = 10 + ((i + j) % 5)
      return {
        sensor,
        kind: 'traffic' as const,
        time: T0 + i * STEP_MS,
        seq: 1000 + i * 6 + j,
        lane,
        direction,
        values: { car, pedal_cycle: 2, total_vehicles: car + 2, mean_speed: 25 + j, occupancy: 0.125 },
      }
    }),
  ).flat()
}

export function bulkReadings(): Written[] {
  return BULK_ENTRIES.flatMap((e, n) => (e.kind === 'air' ? airReadings(e.id, n, n * 2) : trafficReadings(e.id)))
}

const INTS = new Set(['car', 'pedal_cycle', 'total_vehicles'])

export function lineOf(r: Written, borough: string): string {
  const fields = Object.entries(r.values).map(([k, v]) => `${k}=${v}${INTS.has(k) ? 'i' : ''}`)
  const tags = r.kind === 'traffic' ? `,direction=${r.direction},lane=${r.lane}` : ',grade=indicative'
  return `${r.kind},borough=${borough}${tags},sensor=${r.sensor} ${fields.join(',')},seq=${r.seq}i,interval=300i,suspect=false ${r.time}`
}

export async function writeBulk(influx: InfluxServer, db: string, readings: Written[]): Promise<void> {
  const borough = new Map(BULK_ENTRIES.map((e) => [e.id, e.borough]))
  await influx.write(db, readings.map((r) => lineOf(r, borough.get(r.sensor) ?? CAMDEN)).join('\n'), 'ms')
}

/** The order bulk history promises: sensor, time, lane, direction. */
export function bulkOrder(a: Written, b: Written): number {
  if (a.sensor !== b.sensor) return a.sensor < b.sensor ? -1 : 1
  if (a.time !== b.time) return a.time - b.time
  return Number(a.lane ?? 0) - Number(b.lane ?? 0) || (a.direction ?? '').localeCompare(b.direction ?? '')
}

/** The identity of a reading, as served or as written. */
export function keyOf(r: { sensor: string; time: string | number; lane?: string; direction?: string }): string {
  return `${r.sensor}@${new Date(r.time).toISOString()}/${r.lane ?? ''}/${r.direction ?? ''}`
}
