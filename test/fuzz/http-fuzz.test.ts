/**
 * HTTP fuzzing of every route in the OpenAPI documents of both HTTP services: the register (open
 * data API, admin API, on the public port) and the ingest's device intake, each at /docs/json:
 * bad types, huge bodies, deep JSON, path tricks (`..`, `%00`, very long ids, unicode) and
 * arbitrary query strings. Every answer must be below 500, and both servers must keep answering.
 * Counts of cases are printed (docs/reliability.md).
 */
import { get } from 'node:http'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { basic, type OpenDataIngest, startOpenDataIngest } from '../helpers/open-data-ingest.js'
import { hostileString } from './arbitraries.js'

interface Route {
  base: string
  method: string
  path: string
}

const PATH_TRICKS = [
  '..',
  '%2e%2e',
  '..%2f..%2fetc%2fpasswd',
  '%00',
  'cam-1%00.json',
  'x'.repeat(5000),
  '%E2%9C%93',
  'caf%C3%A9',
  '%ff%fe',
  '%',
  '%%',
  'cam-1;drop',
  "cam-1'--",
  'cam-1%0d%0aset-cookie:x',
  '+',
  '%23',
  '-1',
  '1e309',
]
const QUERY_VALUES = [
  '',
  'abc',
  '-1',
  '0',
  '1e309',
  'NaN',
  'x'.repeat(10_000),
  '%00',
  '2026-13-45T99:99:99Z',
  '[]',
  '{}',
  'null',
  'true',
]

/**
 * A GET from 127.0.0.2: the fuzzing before it has used up 127.0.0.1's share of the per-address
 * rate limit, and these cases are about the answer, not the limit.
 */
function fromAnotherAddress(url: string): Promise<{ status: number; json(): Promise<unknown> }> {
  return new Promise((resolve, reject) => {
    const req = get(url, { localAddress: '127.0.0.2', headers: { accept: 'application/json' } }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString()
        resolve({ status: res.statusCode ?? 0, json: async () => JSON.parse(text) })
      })
    })
    req.on('error', reject)
  })
}

function deepJson(depth: number): string {
  return `${'['.repeat(depth)}${']'.repeat(depth)}`
}

describe('HTTP fuzzing of every OpenAPI route', () => {
  let s: OpenDataIngest
  const routes: Route[] = []
  const counts = { requests: 0, routes: 0, status4xx: 0, status2xx3xx: 0, rateLimited: 0 }
  const failures: string[] = []

  beforeAll(async () => {
    s = await startOpenDataIngest()
    for (const base of [s.url, s.intakeUrl]) {
      const doc = (await (await fetch(`${base}/docs/json`)).json()) as {
        paths: Record<string, Record<string, unknown>>
      }
      routes.push(
        ...Object.entries(doc.paths).flatMap(([path, ops]) =>
          Object.keys(ops)
            .filter((m) => ['get', 'post', 'put', 'delete', 'patch'].includes(m))
            .map((method) => ({ base, method: method.toUpperCase(), path })),
        ),
      )
    }
    // The device intake route used to be missing from /docs/json; fuzz it in any case.
    if (!routes.some((r) => r.path === '/v1/readings'))
      routes.push({ base: s.intakeUrl, method: 'POST', path: '/v1/readings' })
    counts.routes = routes.length
  })
  afterAll(async () => {
    console.log(
      `HTTP fuzz: ${counts.routes} routes, ${counts.requests} requests: ${counts.status4xx} answered 4xx (${counts.rateLimited} of them 429), ${counts.status2xx3xx} 2xx/3xx, ${failures.length} 5xx`,
    )
    await s?.close()
  })

  async function send(
    base: string,
    method: string,
    path: string,
    body?: string | Buffer,
    headers: Record<string, string> = {},
  ) {
    counts.requests++
    let res: Response
    try {
      res = await fetch(`${base}${path}`, {
        method,
        headers: body !== undefined ? { 'content-type': 'application/json', ...headers } : headers,
        ...(body !== undefined && method !== 'GET'
          ? { body: typeof body === 'string' ? body : new Uint8Array(body) }
          : {}),
      })
    } catch (err) {
      failures.push(`${method} ${path.slice(0, 80)}: ${(err as Error).message}`)
      return
    }
    await res.arrayBuffer()
    if (res.status >= 500) {
      failures.push(`${res.status} ${method} ${path.slice(0, 120)}`)
    } else if (res.status >= 400) {
      counts.status4xx++
      if (res.status === 429) counts.rateLimited++
    } else counts.status2xx3xx++
  }

  const fill = (path: string, value: string) => path.replace(/\{[^}]+\}/g, value)

  it('path tricks in every path parameter', async () => {
    for (const r of routes.filter((x) => x.path.includes('{'))) {
      for (const trick of PATH_TRICKS) {
        await send(r.base, r.method, fill(r.path, trick), r.method === 'GET' ? undefined : '{}')
      }
    }
    // and in paths that do not exist
    for (const base of [s.url, s.intakeUrl]) {
      for (const trick of PATH_TRICKS) await send(base, 'GET', `/v1/${trick}/${trick}`)
    }
    expect(failures).toEqual([])
  })

  it('arbitrary and bad-typed query strings on every GET route', async () => {
    const gets = routes.filter((r) => r.method === 'GET' && !r.path.startsWith('/docs'))
    const keys = [
      'limit',
      'from',
      'to',
      'borough',
      'kind',
      'status',
      'format',
      'cursor',
      'sensor',
      'fields',
      'interval',
      'page',
    ]
    for (const r of gets) {
      const base = fill(r.path, 'cam-1')
      for (const value of QUERY_VALUES) {
        const q = keys.map((k) => `${k}=${encodeURIComponent(value)}`).join('&')
        await send(r.base, 'GET', `${base}?${q}`)
      }
      for (const value of fc.sample(hostileString, 5)) {
        await send(
          r.base,
          'GET',
          `${base}?${keys[counts.requests % keys.length]}=${encodeURIComponent(value)}&${encodeURIComponent(value)}=1`,
        )
      }
    }
    expect(failures).toEqual([])
  })

  it('bad bodies on every POST/PUT route: wrong types, huge, deep, not JSON', async () => {
    const writes = routes.filter((r) => r.method !== 'GET')
    const bodies: (string | Buffer)[] = [
      '',
      'null',
      '[]',
      '"string"',
      '12',
      '{"sensor":1,"borough":[],"kind":{},"time":true,"seq":"x","values":null}',
      '{"readings":[{}]}',
      '{"__proto__":{"admin":true},"constructor":{"prototype":{"x":1}}}',
      '{not json',
      Buffer.from([0xff, 0xfe, 0x00, 0x01]),
      deepJson(1000),
      deepJson(100_000),
      `{"values":{"pm2_5":${'9'.repeat(400)}}}`,
      JSON.stringify({ readings: Array.from({ length: 5000 }, () => ({ a: 1 })) }),
      Buffer.alloc(2 * 1024 * 1024, 0x61), // 2 MB, above every body limit
      ...fc.sample(fc.jsonValue(), 15).map((v) => JSON.stringify(v)),
    ]
    for (const r of writes) {
      const path = fill(r.path, 'cam-1')
      // each body once without credentials, once as the admin and once as the device (round robin)
      for (const [i, body] of bodies.entries()) {
        await send(r.base, r.method, path, body)
        const auth = i % 2 === 0 ? basic(s.secrets.camdenAdmin!) : `Bearer ${s.secrets.device!.password}`
        await send(r.base, r.method, path, body, { authorization: auth, 'x-sensor': 'cam-1' })
      }
      await send(r.base, r.method, path, '{}', { 'content-type': 'text/plain' })
      await send(r.base, r.method, path, '{}', { authorization: 'Basic !!!notbase64', 'x-sensor': '../../etc' })
      await send(r.base, r.method, path, '{}', {
        authorization: `Bearer ${'x'.repeat(10_000)}`,
        'x-sensor': 'cam-1',
      })
    }
    expect(failures).toEqual([])
  })

  it('crafted values that used to reach InfluxQL or a prototype: 400 or 404 naming the parameter, never 5xx', async () => {
    const cursor = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')
    const raw = '/v1/sensors/cam-1/readings?every=raw'
    const cases: [string, number, string?][] = [
      [`${raw}&cursor=${cursor({ t: 1e300, k: 1 })}`, 400, 'cursor'],
      [`${raw}&cursor=${cursor({ t: -1e20, k: 1 })}`, 400, 'cursor'],
      [`${raw}&cursor=${cursor({ t: 1.5, k: 1 })}`, 400, 'cursor'],
      [`${raw}&cursor=${cursor({ t: '1', k: 1 })}`, 400, 'cursor'],
      [`${raw}&limit=10000&cursor=${cursor({ t: 1, k: 9e9 })}`, 400, 'cursor'], // k would stretch the LIMIT
      [`${raw}&cursor=${cursor({ t: 1, k: 1e15 })}`, 400, 'cursor'],
      [`${raw}&cursor=${cursor(null)}`, 400, 'cursor'],
      [`${raw}&cursor=${cursor([1, 2])}`, 400, 'cursor'],
      ['/v1/sensors/cam-1/readings?from=9999-12-01&to=9999-12-02', 400, 'to'],
      ['/v1/sensors/cam-1/readings?from=2026-01-01&to=9999-12-02T00:00:00Z', 400, 'to'],
      ['/v1/sensors/cam-1/readings?from=0001-01-01&to=2026-01-02', 400, 'from'],
      ['/v1/sensors/cam-1/readings?every=1d&from=1600-01-01&to=1601-01-01', 400, 'to'],
      ['/v1/export/csv?borough=E09000007&date=9999-12-31', 400, 'date'],
      ['/v1/export/csv?borough=E09000007&date=2262-04-11', 400, 'date'],
      ['/v1/export/fiware?borough=E09000007&at=9999-12-31T00:00:00Z', 400, 'at'],
      ['/register-static/constructor', 404],
      ['/register-static/__proto__', 404],
      ['/register-static/hasOwnProperty', 404],
      ['/docs/static/constructor', 404],
      ['/docs/static/__proto__', 404],
      ['/sensors/constructor', 404],
      ['/v1/sensors/__proto__', 404],
      ['/v1/sensors/constructor/readings', 404],
      ["/v1/sta/Things('constructor')", 404],
      ["/v1/sta/Datastreams('__proto__:constructor')", 404],
    ]
    const seen: string[] = []
    for (const [path, status, field] of cases) {
      counts.requests++
      const res = await fromAnotherAddress(`${s.url}${path}`)
      const body = (await res.json().catch(() => ({}))) as { field?: string }
      seen.push(`${res.status} ${path.slice(0, 60)}`)
      expect(res.status, path).toBe(status)
      if (field) expect(body.field, path).toBe(field)
    }
    for (const path of ['/docs/static/constructor', '/docs/static/__proto__']) {
      expect((await fetch(`${s.intakeUrl}${path}`)).status, `intake ${path}`).toBe(404)
    }
    counts.status4xx += seen.length
  })

  it('still answers after the fuzzing', async () => {
    expect((await fetch(`${s.url}/healthz`)).status).toBe(200)
    expect((await fetch(`${s.opsUrl}/healthz`)).status).toBe(200)
    expect((await fetch(`${s.intakeUrl}/docs/json`)).status).toBe(200)
    expect(counts.requests).toBeGreaterThan(300)
  })
})
