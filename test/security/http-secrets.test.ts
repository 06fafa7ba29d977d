/**
 * HTTP side of "nobody gets in": an admin of another borough cannot change or retire a sensor,
 * and no public route (every GET in the OpenAPI document, plus the register pages) ever returns
 * an issued password, a password hash or salt, or the registry's internal fields.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { basic, CAMDEN, type OpenDataIngest, startOpenDataIngest } from '../helpers/open-data-ingest.js'

/** What a leaked secret would look like: scrypt names, modular-crypt hashes, hex digests, salts. */
const HASH_PATTERNS = [
  /scrypt/i,
  /\$[0-9a-z]{1,10}\$[^\s"<]{8,}/i,
  /"(hash|salt|password|credential)s?"\s*:/i,
  /\b[0-9a-f]{64,}\b/i,
]

describe('HTTP: borough scope and no secrets in public responses', () => {
  let s: OpenDataIngest
  beforeAll(async () => {
    s = await startOpenDataIngest()
  })
  afterAll(async () => {
    await s?.close()
  })

  const get = (path: string) => fetch(`${s.url}${path}`)

  it('an admin of another borough cannot change or retire a sensor; its own admin can', async () => {
    const { openRegistry } = await import('../../registry/registry.js')
    const reg = openRegistry(s.dataDir)
    const stored = reg.getSensor('cam-1')!.entry
    reg.close()
    const changed = { ...stored, name: 'Taken over by Hackney' }
    const put = (who: keyof OpenDataIngest['secrets'] | 'none', body: unknown) =>
      fetch(`${s.url}/v1/admin/sensors/cam-1`, {
        method: 'PUT',
        headers: {
          'content-type': 'application/json',
          ...(who === 'none' ? {} : { authorization: basic(s.secrets[who]!) }),
        },
        body: JSON.stringify(body),
      })
    expect((await put('hackneyAdmin', changed)).status).toBe(403)
    expect((await put('none', changed)).status).toBe(401)
    expect((await put('device', changed)).status).toBe(403) // a device's own password: authenticated, not an admin
    expect(
      (
        await fetch(`${s.url}/v1/admin/sensors/cam-1/retire`, {
          method: 'POST',
          headers: { authorization: basic(s.secrets.hackneyAdmin!), 'content-type': 'application/json' },
          body: '{}',
        })
      ).status,
    ).toBe(403)
    // moving the sensor into one's own borough is changing another borough's sensor too
    expect((await put('hackneyAdmin', { ...changed, borough: 'E09000012' })).status).toBe(403)
    const after = await (await get('/v1/sensors/cam-1')).text()
    expect(after).not.toContain('Taken over by Hackney')
    // control: Camden's admin may
    expect((await put('camdenAdmin', { ...stored, name: 'Renamed by Camden', borough: CAMDEN })).status).toBeLessThan(
      300,
    )
    expect(await (await get('/v1/sensors/cam-1')).text()).toContain('Renamed by Camden')
  })

  it('no public route returns a password, hash, salt or internal credential field', async () => {
    const doc = (await (await get('/docs/json')).json()) as { paths: Record<string, Record<string, unknown>> }
    const paths = Object.entries(doc.paths)
      .filter(([path, ops]) => 'get' in ops && !path.startsWith('/v1/admin'))
      .map(([path]) =>
        path
          .replace(/\{id\}|:id/g, 'cam-1')
          .replace(/\{sensor\}|:sensor/g, 'cam-1')
          .replace(/\{[^}]+\}|:[A-Za-z_]+/g, 'x'),
      )
    const extra = [
      '/',
      '/sensors/cam-1',
      '/sensors/hack-1',
      '/v1/sensors?format=csv',
      '/v1/sensors.csv',
      '/docs',
      '/metrics',
    ]
    const checked: string[] = []
    const secrets = Object.values(s.secrets).map((c) => c.password)
    for (const path of [...new Set([...paths, ...extra])]) {
      const res = await get(path)
      const body = await res.text()
      expect(res.status, path).toBeLessThan(500)
      for (const secret of secrets) expect(body.includes(secret), `${path} leaks a password`).toBe(false)
      for (const pattern of HASH_PATTERNS) expect(pattern.test(body), `${path} matches ${pattern}`).toBe(false)
      checked.push(`${res.status} ${path}`)
    }
    expect(checked.length).toBeGreaterThan(10)
    console.log(`secret scan: ${checked.length} public responses checked, no password/hash/salt found`)
  })

  it('the admin audit log names actions, never passwords', async () => {
    const res = await fetch(`${s.url}/v1/admin/audit`, { headers: { authorization: basic(s.secrets.camdenAdmin!) } })
    expect(res.status).toBe(200)
    const body = await res.text()
    for (const c of Object.values(s.secrets)) expect(body).not.toContain(c.password)
    expect(/scrypt/i.test(body)).toBe(false)
  })
})
