/**
 * The fleet's loss check: first the total (the points of the fleet's sensors in InfluxDB must
 * equal every reading acknowledged, once the ingest has written them; a reading's time is
 * BASE + seq minutes, so a duplicate overwrites its point and cannot hide a missing one), then,
 * only if that differs, the per-sensor check of bench/e2e/loss-check.ts.
 */
import type { InfluxServer } from '../../test/helpers/influxd.js'
import { type CheckedLoad, checkNothingLost, type LossReport } from '../e2e/loss-check.js'
import { sleep, sum } from '../e2e/measure.js'

async function fleetPoints(influx: InfluxServer): Promise<number> {
  const rows = await influx.rows(`SELECT count(seq) FROM air WHERE sensor =~ /^f-/`, 'streetsense').catch(() => [])
  return Number(rows[0]?.count ?? 0)
}

export async function storedCheck(influx: InfluxServer, loads: CheckedLoad[], waitMs = 300_000): Promise<LossReport> {
  const acked = loads.reduce((a, l) => a + sum(l.ackedBySensor), 0)
  const published = loads.reduce((a, l) => a + sum(l.publishedBySensor), 0)
  let stored = 0
  for (const deadline = Date.now() + waitMs; Date.now() < deadline; await sleep(2000)) {
    stored = await fleetPoints(influx)
    if (stored >= acked) break
  }
  if (stored === acked && acked === published) return { acked, published, storedAcked: acked, lost: 0, problems: [] }
  return checkNothingLost(influx, loads, { sensors: '/^f-/', timeStepMs: 60_000 })
}
