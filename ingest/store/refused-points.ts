/**
 * A 400/422: InfluxDB refused some points of a body. Lines it names ("unable to parse '<line>'")
 * go to the quarantine at once; otherwise (e.g. a field type conflict, "dropped=N") the batch is
 * halved until the refused points stand alone. Rewriting accepted points is harmless (same
 * series + time). Only on this rare path are bodies split into lines.
 */
import type { Quarantine } from '../quarantine/quarantine.js'
import type { SpoolRow } from '../spool/spool.js'
import { type PostContext, postUntilSettled } from './influx-post.js'
import { sensorOfLine, splitLines } from './line-split.js'

export interface RefusalContext extends PostContext {
  quarantine: Quarantine
}

/** Each point of the rows, with the source of its row. */
export function pointsOfRows(rows: readonly SpoolRow[]): { lines: string[]; sources: string[] } {
  const lines: string[] = []
  const sources: string[] = []
  for (const row of rows) {
    const text = typeof row.lines === 'string' ? row.lines : row.lines.toString('utf8')
    for (const line of row.count === 1 ? [text] : splitLines(text, row.count)) {
      lines.push(line)
      sources.push(row.source)
    }
  }
  return { lines, sources }
}

/** Writes lines until InfluxDB accepted or quarantined every one of them (or we stop). */
export async function writeLines(ctx: RefusalContext, lines: string[], sources: string[]): Promise<boolean> {
  const result = await postUntilSettled(ctx, lines.join('\n'), lines.length)
  return typeof result === 'string' ? await splitBadPoints(ctx, lines, sources, result) : result
}

/** InfluxDB refused points among `lines` with `message`: quarantine the ones it names, or halve. */
export async function splitBadPoints(
  ctx: RefusalContext,
  lines: string[],
  sources: string[],
  message: string,
): Promise<boolean> {
  const bad =
    lines.length === 1 ? [0] : lines.flatMap((l, i) => (message.includes(`unable to parse '${l}'`) ? [i] : []))
  if (bad.length > 0) {
    quarantineLines(ctx, lines, sources, bad, message)
    const keep = (_: string, i: number) => !bad.includes(i)
    const rest = lines.filter(keep)
    return rest.length === 0 ? true : await writeLines(ctx, rest, sources.filter(keep))
  }
  const half = Math.ceil(lines.length / 2)
  return (
    (await writeLines(ctx, lines.slice(0, half), sources.slice(0, half))) &&
    (await writeLines(ctx, lines.slice(half), sources.slice(half)))
  )
}

function quarantineLines(
  ctx: RefusalContext,
  lines: string[],
  sources: string[],
  bad: readonly number[],
  message: string,
): void {
  for (const i of bad) {
    ctx.quarantine.add({
      code: 'IOT_INGEST_INFLUX_REJECTED',
      reason: `InfluxDB refused the point: ${message}`,
      schema: 'influxdb-line-protocol',
      sensor: sensorOfLine(lines[i]!),
      topic: sources[i],
      raw: lines[i]!,
    })
  }
  ctx.events.quarantined?.(bad.length)
  ctx.logger.warn({ points: bad.length, error: message }, 'InfluxDB refused points; quarantined')
}
