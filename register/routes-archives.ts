/**
 * The monthly archive files (built by `streetsense archive build`) served as they are on disk:
 * `GET /v1/archives` lists them, `GET /archives/{borough}/{file}` sends one with a strong ETag
 * (its SHA-256), Last-Modified, and `immutable` caching once its month is closed. A file holding
 * a sensor that is no longer open data is not served until it is rebuilt.
 */
import { createReadStream, statSync } from 'node:fs'
import { join } from 'node:path'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { StreetsenseError } from '../core/index.js'
import { boroughName } from '../schemas/index.js'
import { type ApiContext, baseUrl, type OpenDataApp, type RequestOf } from './api-context.js'
import { ARCHIVE_MEDIA_TYPE, type ArchiveFile, readArchiveIndex } from './archive/index-file.js'
import { licenceBlock } from './licence.js'
import { isOpenData } from './public-entry.js'
import { archiveParams, archivesQuery } from './route-schemas-bulk.js'

const LIST = {
  tags: ['bulk and live'],
  summary: 'Monthly archive files per borough (CSV gzipped, Parquet) with SHA-256 checksums',
  querystring: archivesQuery,
} as const
const FILE = {
  tags: ['bulk and live'],
  summary: 'One monthly archive file, as built (ETag is its SHA-256; closed months are immutable)',
  params: archiveParams,
} as const

const SUMS = {
  tags: ['bulk and live'],
  summary: 'SHA-256 of every archive file, for sha256sum -c (run it in a directory laid out as /archives/)',
} as const

export function registerArchiveRoutes(app: OpenDataApp, ctx: ApiContext): void {
  app.get('/v1/archives', { schema: LIST }, (req) => listArchives(ctx, req))
  app.get('/archives/:borough/:file', { schema: FILE }, (req, reply) => sendArchive(ctx, req, reply))
  app.get('/archives/SHA256SUMS', { schema: SUMS }, (_req, reply) => {
    const lines = archives(ctx).filter((f) => servable(ctx, f))
    return reply.type('text/plain; charset=utf-8').send(lines.map((f) => `${f.sha256}  ${f.file}\n`).join(''))
  })
}

function archives(ctx: ApiContext): ArchiveFile[] {
  return ctx.archivesDir ? readArchiveIndex(ctx.archivesDir) : []
}

/** The archive files every sensor of which the caller may read. */
export function servableArchives(ctx: ApiContext): ArchiveFile[] {
  return archives(ctx).filter((f) => servable(ctx, f))
}

/** Every sensor of the file is one the caller may read (the one access function decides). */
function servable(ctx: ApiContext, f: ArchiveFile): boolean {
  return f.sensors.every((id) => {
    const entry = ctx.registry.getSensor(id)?.entry
    return entry !== undefined && isOpenData(entry)
  })
}

export function archiveView(ctx: ApiContext, req: FastifyRequest, f: ArchiveFile) {
  return {
    borough: f.borough,
    borough_name: boroughName(f.borough),
    month: f.month,
    format: f.format,
    media_type: ARCHIVE_MEDIA_TYPE[f.format],
    url: `${baseUrl(ctx, req)}/archives/${f.file}`,
    bytes: f.bytes,
    sha256: f.sha256,
    rows: f.rows,
    sensors: f.sensors.length,
    generated: f.generated,
    closed: f.closed,
  }
}

function listArchives(ctx: ApiContext, req: RequestOf<typeof LIST>) {
  const { borough, month } = req.query
  const files = archives(ctx)
    .filter((f) => (!borough || f.borough === borough) && (!month || f.month === month) && servable(ctx, f))
    .map((f) => archiveView(ctx, req, f))
  return { count: files.length, checksums: `${baseUrl(ctx, req)}/archives/SHA256SUMS`, files, ...licenceBlock() }
}

function notModified(req: FastifyRequest, etag: string, modified: Date): boolean {
  const match = req.headers['if-none-match']
  if (match) return match.split(',').some((t) => t.trim() === etag || t.trim() === '*')
  const since = Date.parse(req.headers['if-modified-since'] ?? '')
  return Number.isFinite(since) && Math.floor(modified.getTime() / 1000) * 1000 <= since
}

function sendArchive(ctx: ApiContext, req: RequestOf<typeof FILE>, reply: FastifyReply) {
  const name = `${req.params.borough}/${req.params.file}`
  const f = archives(ctx).find((a) => a.file === name)
  if (!f || !ctx.archivesDir) throw new StreetsenseError('IOT_REGISTER_NOT_FOUND', `no archive file ${name}`)
  if (!servable(ctx, f)) {
    throw new StreetsenseError('IOT_REGISTER_DATA_NOT_OPEN', `${name} holds a sensor that is no longer open data`)
  }
  const path = join(ctx.archivesDir, f.file)
  const modified = statSync(path).mtime
  const etag = `"${f.sha256}"`
  reply
    .header('etag', etag)
    .header('last-modified', modified.toUTCString())
    .header('cache-control', f.closed ? 'public, max-age=31536000, immutable' : 'public, max-age=3600')
    .header('repr-digest', `sha-256=:${Buffer.from(f.sha256, 'hex').toString('base64')}:`)
  if (notModified(req, etag, modified)) return reply.code(304).send()
  const download = `streetsense-${(boroughName(f.borough) ?? f.borough).toLowerCase().replace(/[^a-z0-9]+/g, '-')}-${f.file.split('/')[1]}`
  return reply
    .type(ARCHIVE_MEDIA_TYPE[f.format])
    .header('content-length', f.bytes)
    .header('content-disposition', `attachment; filename="${download}"`)
    .send(createReadStream(path))
}
