/**
 * Erasure in archives and exports kept on disk: every CSV or NDJSON file (optionally gzipped)
 * under the archive directory that has a `sensor` and a `time` per row is rewritten without the
 * erased sensor's rows in the range (a temporary file renamed over the original, so a reader
 * never sees half a file), and deleted when no row is left. Files without those columns are not
 * readings and are left alone. Streamed: a file of any size costs one line of memory.
 */
import { createReadStream, createWriteStream, existsSync } from 'node:fs'
import { readdir, rename, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { finished } from 'node:stream/promises'
import { createGunzip, createGzip } from 'node:zlib'
import type { TimeRange } from './influx-delete.js'

const ARCHIVE = /\.(csv|ndjson|jsonl)(\.gz)?$/

export interface ArchiveErasure {
  rows: number
  files: number
}

/** One CSV line's cells (RFC 4180 quoting; archive rows never span lines). */
function csvCells(line: string): string[] {
  const cells: string[] = []
  let cell = ''
  let quoted = false
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!
    if (quoted && c === '"' && line[i + 1] === '"') {
      cell += '"'
      i++
    } else if (c === '"') quoted = !quoted
    else if (c === ',' && !quoted) {
      cells.push(cell)
      cell = ''
    } else cell += c
  }
  cells.push(cell)
  return cells
}

type RowReader = (line: string) => { sensor?: unknown; time?: unknown } | undefined

/** How to read a data row's sensor and time, from the file's kind and (CSV) its header; undefined: not readings. */
function rowReader(csv: boolean, header: string): RowReader | undefined {
  if (!csv) {
    return (line) => {
      try {
        return JSON.parse(line) as { sensor?: unknown; time?: unknown }
      } catch {
        return undefined
      }
    }
  }
  const names = csvCells(header).map((n) => n.trim())
  const [s, t] = [names.indexOf('sensor'), names.indexOf('time')]
  if (s < 0 || t < 0) return undefined
  return (line) => {
    const cells = csvCells(line)
    return { sensor: cells[s], time: cells[t] }
  }
}

function erased(row: ReturnType<RowReader>, sensor: string, { from, to }: TimeRange): boolean {
  if (!row || row.sensor !== sensor || typeof row.time !== 'string') return false
  const t = Date.parse(row.time)
  return Number.isFinite(t) && (from === undefined || t >= from) && t < to
}

/** Rewrites one file without the erased rows; returns rows removed and whether the file was deleted. */
async function eraseInFile(
  file: string,
  sensor: string,
  range: TimeRange,
): Promise<{ rows: number; deleted: boolean }> {
  const gz = file.endsWith('.gz')
  const csv = /\.csv(\.gz)?$/.test(file)
  const input = createReadStream(file)
  const lines = createInterface({ input: gz ? input.pipe(createGunzip()) : input, crlfDelay: Number.POSITIVE_INFINITY })
  const tmp = `${file}.erasing`
  const sink = createWriteStream(tmp, { mode: 0o600 })
  const output = gz ? createGzip() : undefined
  output?.pipe(sink)
  const out = output ?? sink
  const write = async (line: string) => {
    if (!out.write(`${line}\n`)) await new Promise<void>((resolve) => out.once('drain', () => resolve()))
  }
  let read: RowReader | undefined
  let [removed, kept, first] = [0, 0, true]
  for await (const line of lines) {
    if (first && csv) {
      first = false
      read = rowReader(true, line)
      if (!read) break
      await write(line)
      continue
    }
    read ??= rowReader(false, '')
    if (line !== '' && erased(read!(line), sensor, range)) removed++
    else {
      if (line !== '') kept++
      await write(line)
    }
  }
  input.destroy()
  out.end()
  await finished(sink)
  if (removed === 0) {
    await rm(tmp, { force: true })
    return { rows: 0, deleted: false }
  }
  if (kept === 0) {
    await rm(tmp, { force: true })
    await rm(file, { force: true })
    return { rows: removed, deleted: true }
  }
  await rename(tmp, file)
  return { rows: removed, deleted: false }
}

export async function eraseInArchives(dir: string, sensor: string, range: TimeRange): Promise<ArchiveErasure> {
  const total: ArchiveErasure = { rows: 0, files: 0 }
  if (!existsSync(dir)) return total
  const names = (await readdir(dir, { recursive: true, withFileTypes: true }))
    .filter((d) => d.isFile() && ARCHIVE.test(d.name))
    .map((d) => join(d.parentPath ?? d.path, d.name))
  for (const file of names) {
    const { rows, deleted } = await eraseInFile(file, sensor, range)
    total.rows += rows
    if (deleted) total.files++
  }
  return total
}
