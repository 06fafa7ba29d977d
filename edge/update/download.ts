/**
 * Fetches a release payload from the platform over HTTP(S), resumably: the bytes go to
 * `<file>.part`, and a retry after a dropped connection (or an agent restart) asks only for the
 * rest (`Range: bytes=N-`) of the same file (`If-Range` with the ETag the server gave; a changed
 * file answers 200 and the download starts over). Never more than the signed manifest's length
 * is kept: a server that sends more is cut off and the part thrown away. The node's credentials
 * go as HTTP Basic, and only to origins the node config lists (checked by the caller). The hash
 * is checked afterwards, by verifyRelease, over the finished file.
 */
import {
  closeSync,
  existsSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs'
import http from 'node:http'
import https from 'node:https'
import { StreetsenseError } from '../../core/index.js'

export interface DownloadOptions {
  url: string
  /** Where the finished payload goes (the part and the ETag sit beside it). */
  file: string
  /** The manifest's length: the exact number of bytes to end with. */
  length: number
  auth: { username: string; password: string }
  ca?: Buffer
  timeoutMs?: number
}

/** Thrown for answers that retrying will not change (401, 403, 404, too many bytes). */
export class DownloadRefused extends StreetsenseError {
  constructor(message: string) {
    super('IOT_EDGE_UPDATE_DOWNLOAD', message, 'url')
  }
}

const partOf = (file: string) => `${file}.part`
const etagOf = (file: string) => `${file}.etag`

function sizeOf(path: string): number {
  try {
    return statSync(path).size
  } catch {
    return 0
  }
}

function headers(opts: DownloadOptions, have: number): Record<string, string> {
  const h: Record<string, string> = {
    authorization: `Basic ${Buffer.from(`${opts.auth.username}:${opts.auth.password}`).toString('base64')}`,
  }
  const etag = existsSync(etagOf(opts.file)) ? readFileSync(etagOf(opts.file), 'utf8').trim() : ''
  if (have > 0 && etag) {
    h.range = `bytes=${have}-`
    h['if-range'] = etag
  }
  return h
}

function request(opts: DownloadOptions, have: number): Promise<http.IncomingMessage> {
  const url = new URL(opts.url)
  const client = url.protocol === 'https:' ? https : http
  return new Promise((resolve, reject) => {
    const req = client.get(url, { headers: headers(opts, have), ...(opts.ca ? { ca: opts.ca } : {}) }, resolve)
    req.setTimeout(opts.timeoutMs ?? 30_000, () => req.destroy(new Error('no data for 30 s')))
    req.on('error', reject)
  })
}

/** Where the body starts in the payload, from the status and Content-Range. */
function startOf(res: http.IncomingMessage, have: number, opts: DownloadOptions): number {
  const status = res.statusCode ?? 0
  if (status === 200) return 0
  if (status === 206) {
    const m = /^bytes (\d+)-\d+\/(\d+|\*)$/.exec(String(res.headers['content-range'] ?? ''))
    if (!m || Number(m[1]) !== have) throw new Error(`206 for another range (${res.headers['content-range']})`)
    return have
  }
  if (status === 401 || status === 403 || status === 404) {
    throw new DownloadRefused(`the platform answered ${status} for ${opts.url}`)
  }
  throw new Error(`HTTP ${status} from ${opts.url}`)
}

function save(res: http.IncomingMessage, opts: DownloadOptions, start: number): Promise<number> {
  const part = partOf(opts.file)
  const etag = res.headers.etag
  if (etag) writeFileSync(etagOf(opts.file), etag)
  const fd = openSync(part, start === 0 ? 'w' : 'a')
  let size = start
  return new Promise<number>((resolve, reject) => {
    let settled = false
    const settle = (err?: Error) => {
      if (settled) return
      settled = true
      closeSync(fd)
      if (err) reject(err)
      else resolve(size)
    }
    res.on('data', (chunk: Buffer) => {
      if (settled) return
      if (size + chunk.length > opts.length) {
        res.destroy()
        settle(new DownloadRefused(`the platform sent more than the manifest's ${opts.length} bytes`))
        rmSync(part, { force: true })
        return
      }
      writeSync(fd, chunk)
      size += chunk.length
    })
    res.on('error', (err) => settle(err))
    res.on('aborted', () => settle(new Error('the connection dropped')))
    res.on('close', () => settle(res.complete ? undefined : new Error('the connection dropped')))
  })
}

/** One attempt: resumes what is there; resolves when the file is complete, throws otherwise. */
export async function downloadOnce(opts: DownloadOptions): Promise<void> {
  if (sizeOf(opts.file) === opts.length) return
  let have = sizeOf(partOf(opts.file))
  if (have > opts.length) {
    rmSync(partOf(opts.file), { force: true })
    have = 0
  }
  const res = have === opts.length ? undefined : await request(opts, have)
  if (res?.statusCode === 416) {
    res.resume()
    rmSync(partOf(opts.file), { force: true })
    throw new Error('the server has another file (416): starting over')
  }
  const size = res ? await save(res, opts, startOf(res, have, opts)) : have
  if (size !== opts.length) throw new Error(`the download stopped at ${size} of ${opts.length} bytes`)
  renameSync(partOf(opts.file), opts.file)
  rmSync(etagOf(opts.file), { force: true })
}

/**
 * Tries until the file is complete or `until` passes, waiting 1 s, 2 s, ... up to 60 s between
 * attempts; a refusal ends it at once. `onAttempt` is told of each failed attempt.
 */
export async function download(
  opts: DownloadOptions & { until: number; onRetry?: (err: Error, attempt: number) => void; now?: () => number },
): Promise<void> {
  const now = opts.now ?? Date.now
  for (let attempt = 0; ; attempt++) {
    try {
      return await downloadOnce(opts)
    } catch (err) {
      if (err instanceof DownloadRefused) throw err
      const wait = Math.min(60_000, 1000 * 2 ** attempt)
      if (now() + wait > opts.until) {
        throw new StreetsenseError(
          'IOT_EDGE_UPDATE_DOWNLOAD',
          `download not finished before the command expired: ${(err as Error).message}`,
          'url',
        )
      }
      opts.onRetry?.(err as Error, attempt + 1)
      await new Promise((r) => setTimeout(r, wait))
    }
  }
}
