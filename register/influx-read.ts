import { StreetsenseError } from '../core/index.js'
/**
 * Read-only InfluxQL client: `GET <url>/query?db=` works on InfluxDB 1.x, and on 2.x/3.x through the
 * v1 compatibility API (DBRP) with `Authorization: Token <token>`, so one client serves all.
 */

export interface InfluxReadConfig {
  url: string
  db: string
  token?: string
}

export interface InfluxSeries {
  name: string
  tags?: Record<string, string>
  columns: string[]
  values: unknown[][]
}

/** One row: `time` in epoch ms, every column, and the series' GROUP BY tags. */
export type InfluxRow = { time: number } & Record<string, unknown>

export interface InfluxReader {
  /** Runs one or more `;`-separated statements; one row list per statement. */
  query(q: string): Promise<InfluxRow[][]>
}

export function createInfluxReader(config: InfluxReadConfig, timeoutMs = 15_000): InfluxReader {
  const base = config.url.replace(/\/+$/, '')
  return {
    async query(q) {
      const params = new URLSearchParams({ db: config.db, q, epoch: 'ms' })
      const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' }
      if (config.token) headers.authorization = `Token ${config.token}`
      let body: { results?: { error?: string; series?: InfluxSeries[] }[]; error?: string }
      try {
        const res = await fetch(`${base}/query`, {
          method: 'POST',
          headers,
          body: params,
          signal: AbortSignal.timeout(timeoutMs),
        })
        body = (await res.json()) as typeof body
        if (!res.ok && !body.error) body.error = `HTTP ${res.status}`
      } catch (err) {
        throw unavailable(`unreachable: ${(err as Error).message}`)
      }
      if (body.error) throw unavailable(body.error)
      const results = body.results ?? []
      // "database not found" is an empty store, not an outage: the ingest creates it on first
      // write. With several statements InfluxDB 1.x says only "not executed" (for each, or for
      // the first alone): a query that failed before running at all reads as empty.
      if (results.length > 0 && results.every((r) => r.error && NOT_RUN.test(r.error))) {
        return results.map(() => [])
      }
      return results.map((result) => {
        if (result.error) throw unavailable(result.error)
        return (result.series ?? []).flatMap(seriesRows)
      })
    },
  }
}

const NOT_RUN = /^(database not found|not executed)/

/**
 * A 503 that says InfluxDB could not answer, without echoing its error text (which names the
 * query) to a public client; the text is the error's cause, which the error handler logs.
 */
function unavailable(detail: string): StreetsenseError {
  return new StreetsenseError('IOT_REGISTER_INFLUX_UNAVAILABLE', 'InfluxDB could not answer; try again shortly', {
    cause: new Error(`InfluxDB: ${detail}`),
  })
}

function seriesRows(series: InfluxSeries): InfluxRow[] {
  return series.values.map((values) => {
    const row: Record<string, unknown> = { ...series.tags }
    series.columns.forEach((c, i) => {
      row[c] = values[i]
    })
    return row as InfluxRow
  })
}

/** A string literal for InfluxQL (ids and codes are pattern-checked already; this is the second fence). */
export function literal(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`
}

export function timeLiteral(ms: number): string {
  return `${Math.trunc(ms)}ms`
}
