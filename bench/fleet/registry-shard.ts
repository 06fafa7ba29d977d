/**
 * One shard of the fleet's registry, in its own process (scrypt is synchronous there, so shards
 * are built in parallel, one per core): `openRegistry(dir).importSensors` for sensors
 * [from, from + count) of bench/fleet/registry-cache.ts, in chunks so progress can be shown.
 * Prints the issued credentials as one JSON line at the end.
 *   node --import tsx bench/fleet/registry-shard.ts <dir> <from> <count>
 */
import { buildEntry } from '../../registry/defaults.js'
import { openRegistry } from '../../registry/registry.js'
import { fleetSensor } from './fleet-ids.js'

const [dir, fromArg, countArg] = process.argv.slice(2) as [string, string, string]
const from = Number(fromArg)
const count = Number(countArg)
const registry = openRegistry(dir)
const issued: { username: string; password: string }[] = []
const CHUNK = 500
for (let i = from; i < from + count; i += CHUNK) {
  const entries = []
  for (let k = i; k < Math.min(from + count, i + CHUNK); k++) {
    const s = fleetSensor(k)
    entries.push(buildEntry({ id: s.id, borough: s.borough, kind: 'air' }))
  }
  issued.push(...registry.importSensors(entries, 'bench'))
  process.stderr.write(`registry shard ${from}: ${issued.length}/${count}\n`)
}
registry.close()
console.log(JSON.stringify(issued))
