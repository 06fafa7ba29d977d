/**
 * Builds the monthly archive files of boroughs from InfluxDB: every raw reading of the borough's
 * open sensors in the month, in bulk history's order and columns, streamed (one InfluxDB chunk
 * and one Parquet row group in memory at most), written to a temporary file, checksummed and
 * renamed into place, then listed in the index.
 */
import { mkdirSync, renameSync, rmSync, statSync } from 'node:fs'
import { dirname, join } from 'node:path'
import type { RegisterEntry } from '../../schemas/index.js'
import { valueFields } from '../bulk/formats.js'
import type { PagePlan } from '../bulk/plan.js'
import { pageQuery, pageReadings } from '../bulk/rows.js'
import type { InfluxStreamer } from '../influx-stream.js'
import { badParam } from '../params.js'
import { isOpenData } from '../public-entry.js'
import type { ApiReading } from '../queries.js'
import {
  ARCHIVE_EXTENSION,
  type ArchiveFile,
  type ArchiveFormat,
  sha256File,
  updateArchiveIndex,
} from './index-file.js'
import { type ArchiveSink, csvGzSink, parquetSink } from './sinks.js'

/** Readings can arrive late (a node's backlog after an outage): a month is closed two days after it ends. */
export const CLOSE_AFTER_MS = 2 * 86_400_000

export interface BuildRequest {
  entries: RegisterEntry[]
  influx: InfluxStreamer
  dir: string
  month: string
  boroughs: string[]
  formats: ArchiveFormat[]
  now: number
  /** The status of raw readings (bulk/status.ts qualityJudge). */
  judge(sensor: string, readings: ApiReading[]): ApiReading[]
}

export function monthRange(month: string): { from: number; to: number } {
  const m = /^(\d{4})-(0[1-9]|1[0-2])$/.exec(month)
  if (!m) throw badParam('month', 'must be YYYY-MM')
  const from = Date.UTC(Number(m[1]), Number(m[2]) - 1, 1)
  return { from, to: Date.UTC(Number(m[1]), Number(m[2]), 1) }
}

/** The month before the one `now` is in, as YYYY-MM (the default of the build command). */
export function previousMonth(now: number): string {
  const d = new Date(now)
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() - 1, 1)).toISOString().slice(0, 7)
}

function sinkFor(format: ArchiveFormat, path: string, fields: string[]): ArchiveSink {
  return format === 'csv' ? csvGzSink(path, fields) : parquetSink(path, fields)
}

async function buildFile(req: BuildRequest, borough: string, format: ArchiveFormat, sensors: RegisterEntry[]) {
  const { from, to } = monthRange(req.month)
  const file = `${borough}/${req.month}${ARCHIVE_EXTENSION[format]}`
  const path = join(req.dir, file)
  mkdirSync(dirname(path), { recursive: true })
  const tmp = `${path}.tmp-${process.pid}`
  const fields = valueFields(['air', 'traffic'])
  const plan: PagePlan = { segments: sensors.map((e) => ({ sensor: { id: e.id, kind: e.kind }, from, to })) }
  const sink = sinkFor(format, tmp, fields)
  let rows = 0
  try {
    const chunks = req.influx.chunks(pageQuery(plan))
    for await (const batch of pageReadings(plan, chunks, {
      every: 'raw',
      judge: req.judge,
      boroughOf: () => borough,
    })) {
      if (batch.length === 0) continue
      rows += batch.length
      await sink.add(batch)
    }
    await sink.finish()
  } catch (err) {
    rmSync(tmp, { force: true })
    throw err
  }
  if (rows === 0) return rmSync(tmp, { force: true })
  renameSync(tmp, path)
  const built: ArchiveFile = {
    file,
    borough,
    month: req.month,
    format,
    bytes: statSync(path).size,
    sha256: await sha256File(path),
    rows,
    sensors: sensors.map((e) => e.id),
    generated: new Date(req.now).toISOString(),
    closed: to + CLOSE_AFTER_MS <= req.now,
  }
  return built
}

/** Builds every requested borough and format; returns the files written (boroughs with no readings have none). */
export async function buildArchives(req: BuildRequest): Promise<ArchiveFile[]> {
  monthRange(req.month)
  mkdirSync(req.dir, { recursive: true })
  const built: ArchiveFile[] = []
  for (const borough of req.boroughs) {
    const sensors = req.entries
      .filter((e) => e.borough === borough && isOpenData(e))
      .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    if (sensors.length === 0) continue
    for (const format of req.formats) {
      const file = await buildFile(req, borough, format, sensors)
      if (file) built.push(file)
    }
  }
  updateArchiveIndex(req.dir, built)
  return built
}
