/**
 * GET/HEAD /v1/releases/{release}/{file}: the platform's release store (<dataDir>/releases/, filled
 * by `streetsense fleet publish`) served to devices, which fetch the payload an update command
 * names. Only with a device's own credentials (as for POST /v1/readings): releases are signed and
 * not secret, but the bytes cost bandwidth. Resumable: a strong ETag (the payload's SHA-256),
 * `Accept-Ranges: bytes`, one range per request (`Range: bytes=N-`, `bytes=N-M`, `bytes=-N`), and
 * `If-Range` (a range of another file gets the whole new file, 200). Only the files a release
 * consists of are served: its manifest.json, manifest.json.sig and the payload the manifest names.
 */
import { createReadStream, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { Counter, type Registry } from 'prom-client'
import { StreetsenseError } from '../../core/index.js'
import type { SensorDirectory } from '../directory/sensor-directory.js'
import { authenticateDevice } from './auth.js'
import { errorBodySchema } from './readings-routes.js'

export interface ReleaseDeps {
  directory: SensorDirectory
  dataDir: string
  metrics: { registry: Registry }
}

interface Served {
  path: string
  size: number
  etag: string
  type: string
}

const notFound = (what: string) =>
  new StreetsenseError('IOT_INGEST_NOT_FOUND', `no ${what} in the release store`, 'release')

/** The file of a release that may be served, with its ETag; 404 for anything else. */
function servedFile(dataDir: string, release: string, file: string): Served {
  const dir = join(dataDir, 'releases', release)
  let manifest: { file?: string; sha256?: string }
  try {
    manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'))
  } catch {
    throw notFound(`release ${release}`)
  }
  if (file !== 'manifest.json' && file !== 'manifest.json.sig' && file !== manifest.file)
    throw notFound(`${file} in ${release}`)
  const path = join(dir, file)
  let size: number
  try {
    size = statSync(path).size
  } catch {
    throw notFound(`${file} in ${release}`)
  }
  const etag = file === manifest.file ? `"${manifest.sha256}"` : `"${release}-${file}-${size}"`
  return { path, size, etag, type: file.endsWith('.json') ? 'application/json' : 'application/octet-stream' }
}

/** One byte range of a file of `size` bytes; 'unsatisfiable' for 416; undefined: the whole file. */
export function parseRange(
  header: string | undefined,
  size: number,
): { start: number; end: number } | 'unsatisfiable' | undefined {
  const m = /^bytes=(\d*)-(\d*)$/.exec((header ?? '').trim())
  if (!m || (m[1] === '' && m[2] === '')) return undefined
  if (m[1] === '') {
    const suffix = Number(m[2])
    return suffix === 0 || size === 0 ? 'unsatisfiable' : { start: Math.max(0, size - suffix), end: size - 1 }
  }
  const start = Number(m[1])
  const end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1)
  return start >= size || start > end ? 'unsatisfiable' : { start, end }
}

function send(
  reply: FastifyReply,
  served: Served,
  range: string | undefined,
  ifRange: string | undefined,
  head: boolean,
) {
  reply
    .header('accept-ranges', 'bytes')
    .header('etag', served.etag)
    .header('cache-control', 'no-store')
    .type(served.type)
  // If-Range names the file the client holds part of: another one (a re-published release) comes whole.
  const wanted = ifRange === undefined || ifRange === served.etag ? parseRange(range, served.size) : undefined
  if (wanted === 'unsatisfiable') return reply.code(416).header('content-range', `bytes */${served.size}`).send()
  const { start, end } = wanted ?? { start: 0, end: served.size - 1 }
  reply.header('content-length', String(end - start + 1))
  if (wanted) reply.code(206).header('content-range', `bytes ${start}-${end}/${served.size}`)
  if (head || served.size === 0) return reply.send()
  return reply.send(createReadStream(served.path, { start, end }))
}

const params = {
  type: 'object',
  required: ['release', 'file'],
  properties: {
    release: { type: 'string', pattern: '^(agent|firmware)-[0-9A-Za-z.+-]{1,64}$' },
    file: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._+-]{0,127}$' },
  },
} as const

export async function releaseRoutes(app: FastifyInstance, deps: ReleaseDeps): Promise<void> {
  const served = new Counter({
    name: 'streetsense_ingest_release_requests_total',
    help: 'Requests for release files from devices, by release and HTTP status',
    labelNames: ['release', 'status'] as const,
    registers: [deps.metrics.registry],
  })
  const handler = (head: boolean) => async (req: FastifyRequest, reply: FastifyReply) => {
    const { release, file } = req.params as { release: string; file: string }
    const sensor = await authenticateDevice(req, deps.directory)
    const found = servedFile(deps.dataDir, release, file)
    const ifRange = typeof req.headers['if-range'] === 'string' ? req.headers['if-range'] : undefined
    const out = send(reply, found, req.headers.range, ifRange, head)
    served.inc({ release, status: String(reply.statusCode) })
    req.log.info({ sensor, release, file, status: reply.statusCode, range: req.headers.range }, 'release file served')
    return out
  }
  const schema = {
    summary: "A file of a published release, for a device's update (device credentials; Range and If-Range)",
    tags: ['devices'],
    params,
    response: { 401: errorBodySchema, 403: errorBodySchema, 404: errorBodySchema },
  }
  // HEAD before GET, or Fastify adds its own HEAD route for the GET.
  app.head('/v1/releases/:release/:file', { schema: { ...schema, hide: true } }, handler(true))
  app.get('/v1/releases/:release/:file', { schema }, handler(false))
}
