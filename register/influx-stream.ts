/**
 * Streaming InfluxQL reads: `chunked=true` makes InfluxDB (1.x, and 2.x/3.x through the v1 API)
 * answer with one JSON document per line, each holding at most `chunk_size` rows. Reading them
 * as they arrive keeps memory bounded by one chunk, whatever the time range: bulk history and the
 * archive builder read months this way.
 */
import { StreetsenseError } from '../core/index.js'
import type { InfluxReadConfig, InfluxRow, InfluxSeries } from './influx-read.js'

/** Rows of one statement (statement ids count from 0 in the order of the `;`-separated query). */
export interface RowChunk {
  statement: number
  rows: InfluxRow[]
}

interface ChunkDocument {
  error?: string
  results?: { statement_id: number; error?: string; series?: InfluxSeries[] }[]
}

export interface InfluxStreamer {
  /** The rows of every statement, statement after statement, in chunks of at most `chunkSize`. */
  chunks(q: string, chunkSize?: number): AsyncGenerator<RowChunk>
}

export function createInfluxStreamer(config: InfluxReadConfig, timeoutMs = 120_000): InfluxStreamer {
  const base = config.url.replace(/\/+$/, '')
  return {
    async *chunks(q, chunkSize = 5000) {
      const body = new URLSearchParams({
        db: config.db,
        q,
        epoch: 'ms',
        chunked: 'true',
        chunk_size: String(chunkSize),
      })
      const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' }
      if (config.token) headers.authorization = `Token ${config.token}`
      let res: Response
      try {
        res = await fetch(`${base}/query`, { method: 'POST', headers, body, signal: AbortSignal.timeout(timeoutMs) })
      } catch (err) {
        throw unavailable(`InfluxDB unreachable: ${(err as Error).message}`)
      }
      if (!res.body) throw unavailable(`InfluxDB answered HTTP ${res.status} without a body`)
      for await (const line of lines(res.body)) yield* documentRows(JSON.parse(line) as ChunkDocument, res.status)
    },
  }
}

function unavailable(message: string): StreetsenseError {
  return new StreetsenseError('IOT_REGISTER_INFLUX_UNAVAILABLE', message)
}

function* documentRows(doc: ChunkDocument, status: number): Generator<RowChunk> {
  if (doc.error) throw unavailable(`InfluxDB: HTTP ${status}`)
  for (const result of doc.results ?? []) {
    // "database not found" is an empty store, not an outage: the ingest creates it on first write.
    if (result.error && !/database not found/.test(result.error)) throw unavailable('InfluxQL statement refused')
    const rows = (result.series ?? []).flatMap(seriesRows)
    if (rows.length > 0) yield { statement: result.statement_id, rows }
  }
}

function seriesRows(series: InfluxSeries): InfluxRow[] {
  const { columns, tags } = series
  return series.values.map((values) => {
    const row: Record<string, unknown> = { ...tags }
    for (let i = 0; i < columns.length; i++) row[columns[i]!] = values[i]
    return row as InfluxRow
  })
}

/** The body's lines (JSON documents), decoded as they arrive. */
async function* lines(body: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  const decoder = new TextDecoder()
  let pending = ''
  for await (const bytes of body as unknown as AsyncIterable<Uint8Array>) {
    pending += decoder.decode(bytes, { stream: true })
    let nl = pending.indexOf('\n')
    while (nl >= 0) {
      const line = pending.slice(0, nl).trim()
      pending = pending.slice(nl + 1)
      if (line) yield line
      nl = pending.indexOf('\n')
    }
  }
  const last = (pending + decoder.decode()).trim()
  if (last) yield last
}
