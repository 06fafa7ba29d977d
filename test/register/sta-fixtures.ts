/**
 * The SensorThings tests' world: the register's seeded entries and readings (fixtures.ts), plus
 * three open sensors in Southwark whose readings share their timestamps exactly (ties across
 * sensors, for paging), on a real influxd.
 */
import type { RegisterEntry } from '../../schemas/types.gen.js'
import { type InfluxServer, startInfluxd } from '../helpers/influxd.js'
import { bodyOf, CAMDEN_AIR, type RegisterApp, type Seeded, seedInflux, startRegisterApp } from './fixtures.js'

// biome-ignore lint/suspicious/noExplicitAny: JSON response bodies under test
export type Json = any

export const SOUTHWARK = 'E09000028'
export const TIE_SENSORS = ['tie-a', 'tie-b', 'tie-c']
/** Readings per tie sensor, all at the same times, 60 s apart. */
export const TIE_TIMES = 12

export function tieEntry(id: string, i: number): RegisterEntry {
  return {
    ...CAMDEN_AIR,
    id,
    borough: SOUTHWARK,
    name: `Tie sensor ${id}`,
    location: { type: 'Point', coordinates: [-0.09 + i * 0.001, 51.5 + i * 0.001] },
    measures: ['pm2_5', 'no2'],
  }
}

export interface StaWorld {
  influx: InfluxServer
  reg: RegisterApp
  seeded: Seeded
  now: number
  /** Epoch ms of the tie readings, newest first. */
  tieTimes: number[]
  get(path: string): Promise<{ status: number; json: Json; text: string; headers: Headers }>
  close(): Promise<void>
}

export async function startStaWorld(db = 'streetsense'): Promise<StaWorld> {
  const influx = await startInfluxd()
  const now0 = Math.floor(Date.now() / 60_000) * 60_000
  const seeded = await seedInflux(influx, db, now0)
  const now = now0 + 30_000
  const reg = await startRegisterApp(influx, db, { now: () => now })
  for (const [i, id] of TIE_SENSORS.entries()) reg.registry.addSensor(tieEntry(id, i), 'test')
  const tieTimes = Array.from({ length: TIE_TIMES }, (_, k) => now0 - 7_200_000 - k * 60_000)
  const lines = tieTimes.flatMap((t, k) =>
    TIE_SENSORS.map(
      (s, i) =>
        `air,sensor=${s},borough=${SOUTHWARK},grade=indicative pm2_5=${10 + k + i},no2=${40 + k},seq=${k}i,interval=60i,suspect=false ${t}`,
    ),
  )
  await influx.write(db, lines.join('\n'), 'ms')
  return {
    influx,
    reg,
    seeded,
    now,
    tieTimes,
    async get(path) {
      const res = await fetch(`${reg.url}${path}`)
      const { text, json } = await bodyOf(res)
      return { status: res.status, json: json as Json, text, headers: res.headers }
    },
    async close() {
      await reg.close()
      await influx.stop()
    },
  }
}

/** Follows @iot.nextLink from a first page to the last, collecting every value. */
export async function allPages(
  world: StaWorld,
  first: string,
  maxPages = 200,
): Promise<{ values: Json[]; pages: number }> {
  const values: Json[] = []
  let next: string | undefined = first
  let pages = 0
  while (next && pages < maxPages) {
    const { status, json } = await world.get(next.replace(world.reg.url, ''))
    if (status !== 200) throw new Error(`${next}: ${status} ${JSON.stringify(json)}`)
    values.push(...json.value)
    next = json['@iot.nextLink']
    pages++
  }
  return { values, pages }
}
