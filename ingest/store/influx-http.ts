/**
 * The HTTP side of InfluxDB writes: the v1 (`/write?db=&rp=`) or v2 (`/api/v2/write?org=&bucket=`)
 * URL from the settings, one POST of line protocol, and CREATE DATABASE for the v1 API.
 */
import { request as httpRequest } from 'node:http'
import { request as httpsRequest } from 'node:https'
import type { IngestConfig } from '../config.js'

export type InfluxTarget = Pick<
  IngestConfig,
  'influxUrl' | 'influxDb' | 'influxRp' | 'influxOrg' | 'influxBucket' | 'influxToken'
>

export type WriteOutcome = { ok: true } | { ok: false; status: number; message: string; retry: boolean }

export function writeUrl(t: InfluxTarget): { url: string; headers: Record<string, string> } {
  const headers: Record<string, string> = { 'content-type': 'text/plain; charset=utf-8' }
  if (t.influxToken) headers.authorization = `Token ${t.influxToken}`
  if (t.influxOrg !== undefined) {
    const q = new URLSearchParams({ org: t.influxOrg, bucket: t.influxBucket ?? '', precision: 'ms' })
    return { url: `${t.influxUrl}/api/v2/write?${q}`, headers }
  }
  const q = new URLSearchParams({ db: t.influxDb, precision: 'ms' })
  if (t.influxRp) q.set('rp', t.influxRp)
  return { url: `${t.influxUrl}/write?${q}`, headers }
}

/**
 * One POST of line protocol; never throws. node:http rather than fetch: at tens of thousands of
 * points a second fetch's web streams cost the ingest's one thread ~8% of its time (profiled).
 */
export function postLines(
  t: InfluxTarget,
  body: string | Buffer | readonly Buffer[],
  timeoutMs = 30_000,
): Promise<WriteOutcome> {
  const { url, headers } = writeUrl(t)
  // Parts are written one after another (corked: one writev), not concatenated into a copy first.
  const parts = typeof body === 'string' ? [Buffer.from(body, 'utf8')] : Buffer.isBuffer(body) ? [body] : body
  let length = 0
  for (const part of parts) length += part.length
  const send = url.startsWith('https:') ? httpsRequest : httpRequest
  return new Promise((resolve) => {
    const failed = (err: Error) => resolve({ ok: false, status: 0, message: err.message, retry: true })
    const req = send(
      url,
      { method: 'POST', headers: { ...headers, 'content-length': String(length) }, timeout: timeoutMs },
      (res) => {
        const chunks: Buffer[] = []
        res.on('data', (chunk: Buffer) => chunks.push(chunk))
        res.on('error', failed)
        res.on('end', () => resolve(outcomeOf(res.statusCode ?? 0, Buffer.concat(chunks).toString('utf8'))))
      },
    )
    req.on('timeout', () => req.destroy(new Error(`InfluxDB did not answer within ${timeoutMs} ms`)))
    req.on('error', failed)
    req.cork()
    for (const part of parts) req.write(part)
    req.end()
  })
}

function outcomeOf(status: number, text: string): WriteOutcome {
  if (status === 204 || status === 200) return { ok: true }
  let message = text
  try {
    const parsed = JSON.parse(text) as { error?: string; message?: string }
    message = parsed.error ?? parsed.message ?? text
  } catch {
    // not JSON: keep the text
  }
  const bad = status === 400 || status === 422
  return { ok: false, status, message, retry: !bad }
}

/** CREATE DATABASE on the v1 API (idempotent). The v2 API has buckets made by the operator. */
export async function createDatabase(t: InfluxTarget): Promise<void> {
  if (t.influxOrg !== undefined) return
  const headers: Record<string, string> = {}
  if (t.influxToken) headers.authorization = `Token ${t.influxToken}`
  const body = new URLSearchParams({ q: `CREATE DATABASE "${t.influxDb.replace(/["\\]/g, '')}"` })
  const res = await fetch(`${t.influxUrl}/query`, {
    method: 'POST',
    headers,
    body,
    signal: AbortSignal.timeout(10_000),
  })
  if (!res.ok) throw new Error(`CREATE DATABASE failed: ${res.status} ${await res.text()}`)
  await res.body?.cancel().catch(() => undefined)
}
