/**
 * A register entry's `retention` (an ISO 8601 duration such as P5Y, P18M, P2W, P30D, or
 * 'indefinite') as the time before which its readings are deleted. The register page says
 * "Kept for ..." from the same field, and the ingest's retention job deletes by this cutoff.
 */
const DURATION = /^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?$/
const DAY_MS = 86_400_000

/**
 * Readings older than the returned epoch ms are past their retention; undefined when they are
 * kept indefinitely (or the value is not a duration). Years and months are calendar units in
 * UTC, clamped to the end of a shorter month (P1M before 31 March is 28 or 29 February); weeks
 * and days are 7 and 1 days.
 */
export function retentionCutoff(retention: string, now: number): number | undefined {
  const m = DURATION.exec(retention)
  if (!m || retention === 'P') return undefined
  const [years, months, weeks, days] = m.slice(1).map((v) => Number(v ?? 0)) as [number, number, number, number]
  const d = new Date(now)
  const monthIndex = d.getUTCFullYear() * 12 + d.getUTCMonth() - years * 12 - months
  const [year, month] = [Math.floor(monthIndex / 12), monthIndex % 12]
  const lastDay = new Date(Date.UTC(year, month + 1, 0)).getUTCDate()
  const shifted =
    Date.UTC(year, month, Math.min(d.getUTCDate(), lastDay)) +
    (now - Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()))
  return shifted - (weeks * 7 + days) * DAY_MS
}
