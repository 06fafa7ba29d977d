/**
 * Reading the register: filtered, paged lists of sensors, their count, and the register's change
 * counter. Filters run in SQL so a page of a large register costs a page, not the whole table.
 */
import { BOROUGHS } from '../schemas/index.js'
import { type SensorRow, toRecord } from './rows.js'
import type { RegistryStore } from './store.js'
import type { Registry, SensorFilter } from './types.js'

type QueryMethods = Pick<Registry, 'listSensors' | 'countSensors' | 'sensorsVersion'>

export function sensorQueries({ db }: RegistryStore): QueryMethods {
  const version = db.prepare<[], { value: number }>("SELECT value FROM meta WHERE key = 'sensors_version'")
  return {
    listSensors(filter = {}) {
      const { where, args } = whereOf(filter)
      const page =
        filter.limit !== undefined ? ` LIMIT ${Math.trunc(filter.limit)} OFFSET ${Math.trunc(filter.offset ?? 0)}` : ''
      const sql = `SELECT entry, created_at, updated_at FROM sensors ${where} ORDER BY id${page}`
      return db
        .prepare<unknown[], SensorRow>(sql)
        .all(...args)
        .map(toRecord)
    },
    countSensors(filter = {}) {
      const { where, args } = whereOf(filter)
      return db.prepare<unknown[], { n: number }>(`SELECT COUNT(*) AS n FROM sensors ${where}`).get(...args)!.n
    },
    sensorsVersion: () => version.get()?.value ?? 0,
  }
}

const LON = "json_extract(entry, '$.location.coordinates[0]')"
const LAT = "json_extract(entry, '$.location.coordinates[1]')"
const SEARCHED =
  "lower(id || ' ' || json_extract(entry, '$.name') || ' ' || coalesce(json_extract(entry, '$.address'), ''))"

function whereOf(filter: SensorFilter): { where: string; args: unknown[] } {
  const clauses: string[] = []
  const args: unknown[] = []
  for (const key of ['borough', 'kind', 'status'] as const) {
    if (filter[key] === undefined) continue
    clauses.push(`${key} = ?`)
    args.push(filter[key])
  }
  if (filter.bbox) {
    const [minLon, minLat, maxLon, maxLat] = filter.bbox
    clauses.push(`${LON} BETWEEN ? AND ? AND ${LAT} BETWEEN ? AND ?`)
    args.push(minLon, maxLon, minLat, maxLat)
  }
  if (filter.q) {
    const q = filter.q.toLowerCase()
    // Borough names match too ("camden" finds every Camden sensor).
    const boroughs = Object.entries(BOROUGHS).filter(([, name]) => name.toLowerCase().includes(q))
    const named = boroughs.length ? ` OR borough IN (${boroughs.map(() => '?').join(',')})` : ''
    clauses.push(`(instr(${SEARCHED}, ?) > 0${named})`)
    args.push(q, ...boroughs.map(([code]) => code))
  }
  return { where: clauses.length ? `WHERE ${clauses.join(' AND ')}` : '', args }
}
