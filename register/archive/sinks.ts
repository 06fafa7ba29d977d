/**
 * Where an archive's readings go as they stream from InfluxDB: a gzipped CSV (the columns of bulk
 * history's CSV) or Parquet (one row group per 50,000 readings, so memory holds one group).
 */

import { once } from 'node:events'
import { createWriteStream, type WriteStream } from 'node:fs'
import { createGzip, type Gzip } from 'node:zlib'
import { type ColumnSource, fileWriter, ParquetWriter, schemaFromColumnData } from 'hyparquet-writer'
import { csvHeader, csvRow } from '../bulk/formats.js'
import type { BulkReading } from '../bulk/rows.js'

export interface ArchiveSink {
  add(readings: BulkReading[]): Promise<void>
  finish(): Promise<void>
}

export function csvGzSink(path: string, fields: readonly string[]): ArchiveSink {
  const gzip: Gzip = createGzip({ level: 9 })
  const file: WriteStream = createWriteStream(path)
  gzip.pipe(file)
  const closed = once(file, 'close')
  const write = async (text: string) => {
    if (!gzip.write(text)) await once(gzip, 'drain')
  }
  let started = false
  return {
    async add(readings) {
      if (!started) await write(csvHeader('raw', fields))
      started = true
      await write(readings.map((r) => csvRow(r, 'raw', fields)).join(''))
    },
    async finish() {
      if (!started) await write(csvHeader('raw', fields))
      gzip.end()
      await closed
    },
  }
}

const ROW_GROUP = 50_000

type Column = Omit<ColumnSource, 'data'> & { pick(r: BulkReading): unknown }

function columns(fields: readonly string[]): Column[] {
  const text = (name: string, pick: (r: BulkReading) => unknown, nullable = true): Column => ({
    name,
    type: 'STRING',
    nullable,
    pick,
  })
  return [
    { name: 'time', type: 'TIMESTAMP', nullable: false, pick: (r) => new Date(r.time) },
    text('sensor', (r) => r.sensor, false),
    text('borough', (r) => r.borough, false),
    text('kind', (r) => r.kind, false),
    text('lane', (r) => r.lane ?? null),
    text('direction', (r) => r.direction ?? null),
    { name: 'interval', type: 'INT32', nullable: true, pick: (r) => r.interval ?? null },
    { name: 'seq', type: 'INT64', nullable: true, pick: (r) => (r.seq === undefined ? null : BigInt(r.seq)) },
    text('status', (r) => r.status ?? null),
    { name: 'version', type: 'INT32', nullable: true, pick: (r) => r.version ?? null },
    { name: 'qc', type: 'INT32', nullable: true, pick: (r) => r.qc ?? null },
    { name: 'suspect', type: 'BOOLEAN', nullable: true, pick: (r) => r.suspect ?? null },
    text('flags', (r) => (r.flags?.length ? r.flags.join(' ') : null)),
    text('failed', (r) => (r.failed?.length ? r.failed.join(' ') : null)),
    ...fields.map((f): Column => ({ name: f, type: 'DOUBLE', nullable: true, pick: (r) => r.values[f] ?? null })),
  ]
}

export function parquetSink(path: string, fields: readonly string[]): ArchiveSink {
  const spec = columns(fields)
  const schema = schemaFromColumnData({ columnData: spec.map(({ pick: _, ...c }) => ({ ...c, data: [] })) })
  const writer = new ParquetWriter({ writer: fileWriter(path), schema, createdBy: 'streetsense archive' })
  let rows: BulkReading[] = []
  const flush = async () => {
    if (rows.length === 0) return
    const columnData = spec.map(({ pick, ...c }) => ({ ...c, data: rows.map(pick) })) as ColumnSource[]
    rows = []
    await writer.write({ columnData, rowGroupSize: ROW_GROUP })
  }
  return {
    async add(readings) {
      rows.push(...readings)
      if (rows.length >= ROW_GROUP) await flush()
    },
    async finish() {
      await flush()
      writer.finish()
    },
  }
}
