/**
 * The archive index: `index.json` (every file with its month, borough, size, SHA-256, readings,
 * the sensors it holds and whether its month is closed) and `SHA256SUMS` (for `sha256sum -c`),
 * both in the archive directory and rewritten whole (atomically) after each build.
 */
import { createHash } from 'node:crypto'
import { createReadStream, existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

export type ArchiveFormat = 'csv' | 'parquet'

export interface ArchiveFile {
  /** Path under the archive directory: <borough>/<YYYY-MM>.csv.gz or .parquet */
  file: string
  borough: string
  month: string
  format: ArchiveFormat
  bytes: number
  sha256: string
  rows: number
  /** The sensors whose readings it holds (each must still be open data for it to be served). */
  sensors: string[]
  generated: string
  /** The month ended long enough before the build that no more readings are expected. */
  closed: boolean
}

export const ARCHIVE_EXTENSION: Record<ArchiveFormat, string> = { csv: '.csv.gz', parquet: '.parquet' }
export const ARCHIVE_MEDIA_TYPE: Record<ArchiveFormat, string> = {
  csv: 'application/gzip',
  parquet: 'application/vnd.apache.parquet',
}

export function readArchiveIndex(dir: string): ArchiveFile[] {
  const path = join(dir, 'index.json')
  if (!existsSync(path)) return []
  return (JSON.parse(readFileSync(path, 'utf8')) as { files: ArchiveFile[] }).files
}

function writeAtomically(path: string, text: string): void {
  const tmp = `${path}.tmp-${process.pid}`
  writeFileSync(tmp, text)
  renameSync(tmp, path)
}

/** Replaces the entries of the same files and rewrites index.json and SHA256SUMS. */
export function updateArchiveIndex(dir: string, built: ArchiveFile[]): ArchiveFile[] {
  const replaced = new Set(built.map((f) => f.file))
  const files = [...readArchiveIndex(dir).filter((f) => !replaced.has(f.file)), ...built].sort((a, b) =>
    a.file < b.file ? -1 : a.file > b.file ? 1 : 0,
  )
  writeAtomically(join(dir, 'index.json'), `${JSON.stringify({ files }, null, 1)}\n`)
  writeAtomically(join(dir, 'SHA256SUMS'), files.map((f) => `${f.sha256}  ${f.file}\n`).join(''))
  return files
}

export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256')
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer)
  return hash.digest('hex')
}
