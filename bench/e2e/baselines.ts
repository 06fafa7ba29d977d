/**
 * The raw InfluxDB ceiling bench/e2e reports for reference, measured in the same run: pre-built
 * line protocol of the same readings POSTed straight to a fresh influxd (5,000-point bodies, 2
 * in flight, as the ingest writer does).
 */
import { readingToLine } from '../../ingest/store/line-protocol.js'
import type { Reading } from '../../schemas/types.gen.js'
import type { InfluxServer } from '../../test/helpers/influxd.js'
import { BENCH_SENSORS, benchReading } from '../ingest/common.js'

export async function rawInfluxCeiling(influx: InfluxServer, total: number): Promise<number> {
  await influx.createDatabase('raw')
  const bodies: string[] = []
  let lines: string[] = []
  for (let i = 0; i < total; i++) {
    const s = BENCH_SENSORS[i % BENCH_SENSORS.length]!
    lines.push(readingToLine(benchReading(s, Math.floor(i / BENCH_SENSORS.length)) as Reading))
    if (lines.length === 5000 || i === total - 1) {
      bodies.push(lines.join('\n'))
      lines = []
    }
  }
  const started = Date.now()
  let next = 0
  await Promise.all(
    [0, 1].map(async () => {
      for (let body = bodies[next++]; body !== undefined; body = bodies[next++]) {
        const res = await fetch(`${influx.url}/write?db=raw&precision=ms`, { method: 'POST', body })
        if (res.status !== 204) throw new Error(`raw write answered ${res.status}`)
      }
    }),
  )
  const rate = total / ((Date.now() - started) / 1000)
  const stored = Number((await influx.rows('SELECT count(pm2_5) FROM air', 'raw'))[0]?.count ?? 0)
  if (stored !== total) throw new Error(`raw ceiling: ${stored} of ${total} points stored`)
  return rate
}
