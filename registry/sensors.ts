/**
 * Sensors in the register: adding (with the device's account and first password), updating,
 * importing, retiring and listing. Each change writes the sensor row, its account and an audit
 * event in one transaction.
 */
import { StreetsenseError } from '../core/index.js'
import type { RegisterEntry } from '../schemas/index.js'
import { isReservedName, RESERVED_NAMES } from './client-ids.js'
import { checkEntry, toRecord } from './rows.js'
import { type RegistryStore, writeTransaction } from './store.js'
import type { IssuedCredentials, Registry } from './types.js'

type SensorMethods = Pick<Registry, 'addSensor' | 'importSensors' | 'updateSensor' | 'getSensor' | 'retireSensor'>

export function sensorMethods(s: RegistryStore): SensorMethods {
  const add = writeTransaction(s.db, (entry: RegisterEntry, actor: string) => insertSensor(s, entry, actor))
  const update = writeTransaction(s.db, (entry: RegisterEntry, actor: string) => replaceSensor(s, entry, actor))
  const importAll = writeTransaction(s.db, (entries: RegisterEntry[], actor: string, update: boolean) =>
    importEntries(s, entries, actor, update),
  )
  const retire = writeTransaction(s.db, (id: string, actor: string) => retireSensor(s, id, actor))
  return {
    addSensor: (entry, actor = 'cli') => add(checkEntry(entry), actor),
    importSensors: (entries, actor = 'cli', opts = {}) => importAll(checkImport(entries), actor, opts.update ?? false),
    updateSensor: (entry, actor = 'cli') => update(checkEntry(entry), actor),
    getSensor(id) {
      const row = s.q.sensor.get(id)
      return row ? toRecord(row) : undefined
    },
    retireSensor: (id, actor = 'cli') => retire(id, actor),
  }
}

/** A new sensor and its device account (disabled if it is registered as retired). */
function insertSensor({ q, now, audit, issue }: RegistryStore, entry: RegisterEntry, actor: string): IssuedCredentials {
  if (isReservedName(entry.id)) {
    throw new StreetsenseError(
      'IOT_REGISTRY_INVALID_ENTRY',
      `id ${entry.id} is reserved for the platform's services (${RESERVED_NAMES.join(', ')})`,
      '/id',
    )
  }
  if (q.sensor.get(entry.id) || q.account.get(entry.id)) {
    throw new StreetsenseError('IOT_REGISTRY_DUPLICATE', `sensor or account ${entry.id} already exists`, '/id')
  }
  const t = now()
  q.insertSensor.run(entry.id, entry.borough, entry.kind, entry.status, JSON.stringify(entry), t, t)
  q.insertAccount.run(entry.id, 'device', entry.id, '[]', entry.status === 'retired' ? 1 : 0, t, t)
  audit(actor, 'sensor.add', entry.id)
  return issue(entry.id)
}

function replaceSensor({ q, now, audit }: RegistryStore, entry: RegisterEntry, actor: string): void {
  const before = q.sensor.get(entry.id)
  if (!before) throw new StreetsenseError('IOT_REGISTRY_NOT_FOUND', `no sensor ${entry.id}`, '/id')
  const t = now()
  q.updateSensor.run(entry.borough, entry.kind, entry.status, JSON.stringify(entry), t, entry.id)
  q.setDisabled.run(entry.status === 'retired' ? 1 : 0, t, entry.id)
  const old = JSON.parse(before.entry) as RegisterEntry
  const detail = old.status !== entry.status ? `status ${old.status} -> ${entry.status}` : undefined
  audit(actor, 'sensor.update', entry.id, detail)
}

/** Validates every entry (fields named `/<index>/...`) and refuses an id that appears twice. */
function checkImport(entries: unknown[]): RegisterEntry[] {
  const checked = entries.map((e, i) => checkEntry(e, `/${i}`))
  const ids = new Set<string>()
  checked.forEach((e, i) => {
    if (ids.has(e.id)) throw new StreetsenseError('IOT_REGISTRY_DUPLICATE', `id ${e.id} appears twice`, `/${i}/id`)
    ids.add(e.id)
  })
  return checked
}

function importEntries(s: RegistryStore, entries: RegisterEntry[], actor: string, update: boolean) {
  const issued: IssuedCredentials[] = []
  for (const e of entries) {
    if (update && s.q.sensor.get(e.id)) replaceSensor(s, e, actor)
    else issued.push(insertSensor(s, e, actor))
  }
  return issued
}

/** Retired sensors keep their public entry; their account can no longer log in. */
function retireSensor({ q, now, audit }: RegistryStore, id: string, actor: string): void {
  const row = q.sensor.get(id)
  if (!row) throw new StreetsenseError('IOT_REGISTRY_NOT_FOUND', `no sensor ${id}`, 'id')
  const entry = { ...(JSON.parse(row.entry) as RegisterEntry), status: 'retired' as const }
  const t = now()
  q.updateSensor.run(entry.borough, entry.kind, entry.status, JSON.stringify(entry), t, id)
  q.setDisabled.run(1, t, id)
  audit(actor, 'sensor.retire', id)
}
