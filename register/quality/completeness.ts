/**
 * How much of what a sensor should have sent arrived, over the last 24 hours and 30 days, counted
 * only from when the sensor was installed (its register entry) or sent its first reading, if
 * later: a sensor a few minutes old has not "missed" the rest of the month. The share is of time:
 * the readings' intervals over the span, so a change of interval is counted right. The span ends
 * one interval before now (the reading of the interval just ended may still be on its way).
 */
import { type InfluxReader, literal, timeLiteral } from '../influx-read.js'
import { type FieldKind, MEASUREMENT } from '../mappings.js'

export interface Completeness {
  window: string
  /** Where counting starts: the window's start, the installation date or the first reading. */
  from: string | null
  since: 'window' | 'installed' | 'first_reading' | null
  to: string
  received: number
  expected: number
  /** Share of the span covered by the readings received (0..1), or null with nothing to judge. */
  ratio: number | null
}

export async function completeness(
  influx: InfluxReader,
  sensor: { id: string; kind: FieldKind; installed?: string },
  windows: { name: string; ms: number }[],
  now: number,
): Promise<Completeness[]> {
  const m = MEASUREMENT[sensor.kind]
  const where = `"sensor" = ${literal(sensor.id)}`
  const [[first] = [], [last] = []] = await influx.query(
    `SELECT first("seq") FROM "${m}" WHERE ${where}; SELECT last("interval") AS "interval" FROM "${m}" WHERE ${where}`,
  )
  const interval = Number(last?.interval ?? 0) * 1000
  const installed = sensor.installed ? Date.parse(sensor.installed) : Number.NaN
  const to = now - interval
  const spans = windows.map((w) => spanOf(w, now, to, first?.time, installed))
  const counted = spans.filter((s) => s.from !== null && s.from < to)
  const results =
    counted.length === 0
      ? []
      : await influx.query(
          counted
            .map(
              (s) =>
                `SELECT count("seq") AS "n", sum("interval") AS "iv" FROM "${m}" WHERE ${where} AND time >= ${timeLiteral(s.from!)} AND time < ${timeLiteral(to)}`,
            )
            .join('; '),
        )
  return spans.map((s) => {
    const i = counted.indexOf(s)
    const row = i >= 0 ? results[i]?.[0] : undefined
    const span = s.from === null ? 0 : to - s.from
    const received = Number(row?.n ?? 0)
    return {
      window: s.name,
      from: s.from === null ? null : new Date(s.from).toISOString(),
      since: s.since,
      to: new Date(to).toISOString(),
      received,
      expected: interval > 0 && span > 0 ? Math.round(span / interval) : 0,
      ratio:
        span > 0 && i >= 0 ? Math.min(1, Math.round((Number(row?.iv ?? 0) * 1000 * 10_000) / span) / 10_000) : null,
    }
  })
}

function spanOf(
  w: { name: string; ms: number },
  now: number,
  to: number,
  firstReading: number | undefined,
  installed: number,
): { name: string; from: number | null; since: Completeness['since'] } {
  if (firstReading === undefined) return { name: w.name, from: null, since: null }
  let from = now - w.ms
  let since: Completeness['since'] = 'window'
  if (!Number.isNaN(installed) && installed > from) {
    from = installed
    since = 'installed'
  }
  if (firstReading > from) {
    from = firstReading
    since = 'first_reading'
  }
  return { name: w.name, from: from < to ? from : null, since: from < to ? since : null }
}
