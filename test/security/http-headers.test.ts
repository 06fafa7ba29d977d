/**
 * Issue 14, item 11, against the real `streetsense register` and `streetsense ingest` processes
 * and real Chromium: security headers on every reply (a Content-Security-Policy the register's
 * pages and the OpenAPI pages run under with no violation, no framing, nosniff, no referrer);
 * links that follow the Host header only with `Vary: Host`, and a configured public base URL
 * instead; /docs/static/index.html?x=1 no longer redirects to itself; a Sensor.Community
 * `value_type` of `__proto__` or `constructor` is an unknown value type; /readyz and /metrics are
 * on the ingest's operator port only.
 */
import { createServer, request, type Server } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DATA_CSP, DOCS_CSP, PAGE_CSP } from '../../ingest/index.js'
import { launchChromium } from '../helpers/chromium.js'
import { type PlatformProcesses, startPlatformProcesses } from '../helpers/platform-processes.js'
import { waitFor } from '../helpers/ports.js'
import {
  addAccount,
  addSensor,
  type Issued,
  type RegisterProcess,
  startRegisterProcess,
  tempDir,
} from '../helpers/processes.js'

const CAMDEN = 'E09000007'

/** GET with a chosen Host header (fetch may not set it). */
function getWithHost(url: string, host: string): Promise<{ vary: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: { host } }, (res) => {
      let body = ''
      res.on('data', (c: Buffer) => {
        body += c.toString()
      })
      res.on('end', () => resolve({ vary: String(res.headers.vary ?? ''), body }))
    })
    req.on('error', reject)
    req.end()
  })
}

describe('HTTP hardening of the register and the intake (real processes, Chromium)', () => {
  const data = tempDir('ss-headers-')
  let platform: PlatformProcesses
  let register: RegisterProcess
  let registerWithBase: RegisterProcess
  const creds: Record<string, Issued> = {}
  let framer: Server

  beforeAll(async () => {
    creds.device = await addSensor(data.dir, 'cam-1', CAMDEN)
    creds.sc = await addSensor(data.dir, 'sc-12345678', CAMDEN)
    const ingestAccount = await addAccount(data.dir, 'ingest', 'ingest')
    platform = await startPlatformProcesses({ dataDir: data.dir, ingestAccount, influxDb: 'streetsense' })
    const influxUrl = platform.influx.url
    register = await startRegisterProcess({ dataDir: data.dir, influxUrl })
    registerWithBase = await startRegisterProcess({
      dataDir: data.dir,
      influxUrl,
      args: ['--public-base-url', 'https://sensors.example.gov.uk'],
    })
    // An hour of NO2 readings, so the sensor's page has live values and a DAQI band (NO2 is
    // averaged over the last full hour; the index needs three quarters of it).
    const hour = Math.floor(Date.now() / 3_600_000) * 3_600_000 - 3_600_000
    const readings = Array.from({ length: 60 }, (_, k) => ({
      sensor: 'cam-1',
      borough: CAMDEN,
      kind: 'air',
      time: new Date(hour + k * 60_000).toISOString(),
      interval: 60,
      seq: k + 1,
      values: { no2: 40 + (k % 5) },
    }))
    const posted = await fetch(`${platform.ingest.url}/v1/readings`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${creds.device!.password}`,
        'x-sensor': 'cam-1',
      },
      body: JSON.stringify({ readings }),
    })
    expect(posted.status).toBe(202)
    await waitFor(
      async () => (await (await fetch(`${register.url}/sensors/cam-1`)).text()).includes('class="daqi daqi-'),
      30_000,
      'DAQI on the page',
    )
    framer = createServer((_req, res) => {
      res
        .writeHead(200, { 'content-type': 'text/html' })
        .end(`<!doctype html><title>framer</title><iframe src="${register.url}/"></iframe>`)
    })
    await new Promise<void>((r) => framer.listen(0, '127.0.0.1', r))
  }, 600_000)

  afterAll(async () => {
    framer?.close()
    await registerWithBase?.stop()
    await register?.stop()
    await platform?.stop()
    data.remove()
  })

  it('sends the security headers on pages, data, the OpenAPI pages and the intake', async () => {
    const cases: [string, string, RequestInit?][] = [
      [`${register.url}/`, PAGE_CSP],
      [`${register.url}/sensors/cam-1`, PAGE_CSP],
      [`${register.url}/sensors/nope`, PAGE_CSP, { headers: { accept: 'text/html' } }],
      [`${register.url}/v1/sensors`, DATA_CSP],
      [`${register.url}/v1/sensors?format=csv`, DATA_CSP],
      [`${register.url}/docs/`, DOCS_CSP],
      [`${register.url}/docs/json`, DOCS_CSP],
      [`${platform.ingest.url}/v1/readings`, DATA_CSP, { method: 'POST' }],
      [`${platform.ingest.url}/docs/`, DOCS_CSP],
    ]
    for (const [url, csp, init] of cases) {
      const res = await fetch(url, init)
      expect(res.headers.get('content-security-policy'), url).toBe(csp)
      expect(res.headers.get('x-frame-options'), url).toBe('DENY')
      expect(res.headers.get('x-content-type-options'), url).toBe('nosniff')
      expect(res.headers.get('referrer-policy'), url).toBe('no-referrer')
    }
    expect(PAGE_CSP).toMatch(/frame-ancestors 'none'/)
    expect(PAGE_CSP).not.toMatch(/unsafe-inline/)
  })

  it('the pages and the API docs run in Chromium under their policy without a single violation; nobody frames them', async () => {
    const browser = await launchChromium()
    try {
      const page = await browser.context.newPage()
      const violations: string[] = []
      page.on('console', (m) => {
        if (/Content Security Policy|Refused to/i.test(m.text())) violations.push(m.text())
      })
      for (const path of ['/', '/sensors/cam-1', '/docs/']) {
        await page.goto(`${register.url}${path}`, { waitUntil: 'networkidle' })
      }
      await page.goto(`${register.url}/sensors/cam-1`)
      const daqi = page.locator('span.daqi').first()
      // The band colour comes from the stylesheet class, not an inline style.
      expect(await daqi.evaluate((el) => getComputedStyle(el).backgroundColor)).not.toBe('rgba(0, 0, 0, 0)')
      expect(await daqi.getAttribute('style')).toBeNull()
      await page.goto(`${register.url}/docs/`, { waitUntil: 'networkidle' })
      expect(await page.locator('.swagger-ui').count()).toBeGreaterThan(0)
      expect(violations).toEqual([])
      // Another site framing the register gets nothing: Chromium refuses to display it.
      const address = framer.address() as { port: number }
      await page.goto(`http://localhost:${address.port}/`, { waitUntil: 'load' })
      // The frame ends on Chromium's error page instead of the register.
      const framed = () => page.frames().find((f) => f !== page.mainFrame())
      await waitFor(() => framed()?.url() === 'chrome-error://chromewebdata/', 20_000, 'the frame refused')
      expect(
        await framed()!
          .content()
          .catch(() => ''),
      ).not.toContain('london-map')
    } finally {
      await browser.close()
    }
  })

  it('builds links from the configured public base URL; from the Host header only with Vary: Host', async () => {
    const reflected = await getWithHost(`${register.url}/v1/sensors`, 'evil.example')
    expect(reflected.vary).toMatch(/\bHost\b/)
    expect(reflected.body).toContain('http://evil.example/v1/sensors/cam-1')
    const configured = await getWithHost(`${registerWithBase.url}/v1/sensors`, 'evil.example')
    expect(configured.vary).not.toMatch(/\bHost\b/)
    expect(configured.body).not.toContain('evil.example')
    expect(configured.body).toContain('https://sensors.example.gov.uk/v1/sensors/cam-1')
  })

  it('redirects /docs/static/index.html?x=1 to /docs/, once', async () => {
    for (const base of [register.url, platform.ingest.url]) {
      const res = await fetch(`${base}/docs/static/index.html?x=1`, { redirect: 'manual' })
      expect(res.status).toBe(302)
      expect(res.headers.get('location')).toBe('/docs/')
      expect((await fetch(`${base}/docs/static/index.html?x=1`)).status).toBe(200)
    }
  })

  it("a Sensor.Community value_type or X-PIN of __proto__ or constructor is unknown, not the tables' prototype", async () => {
    const post = (values: { value_type: string; value: string }[], pin?: string) =>
      fetch(`${platform.ingest.url}/v1/sensor-community`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-sensor': 'esp8266-12345678',
          ...(pin ? { 'x-pin': pin } : {}),
          authorization: `Basic ${Buffer.from(`sc-12345678:${creds.sc!.password}`).toString('base64')}`,
        },
        body: JSON.stringify({ software_version: 'NRZ-2020-133', sensordatavalues: values }),
      })
    const only = await post([
      { value_type: '__proto__', value: '1' },
      { value_type: 'constructor', value: '2' },
      { value_type: 'hasOwnProperty', value: '3' },
    ])
    expect(only.status).toBe(400)
    const message = ((await only.json()) as { message: string }).message
    for (const name of ['__proto__', 'constructor', 'hasOwnProperty'])
      expect(message).toContain(`${name} (unknown value_type)`)
    for (const pin of ['__proto__', 'constructor']) {
      const res = await post([{ value_type: 'P1', value: '1' }], pin)
      expect(res.status, `X-PIN ${pin}`).toBe(400)
      expect(((await res.json()) as { field: string }).field).toBe('x-pin')
    }
    const mixed = await post([
      { value_type: '__proto__', value: '1' },
      { value_type: 'SDS_P1', value: '3.5' },
    ])
    expect(mixed.status).toBe(200)
    expect(((await mixed.json()) as { unknown: string[] }).unknown).toEqual(['__proto__'])
    await waitFor(
      async () => {
        const rows = await platform.influx.rows("SELECT * FROM air WHERE sensor = 'sc-12345678'", 'streetsense')
        return rows.length === 1 && rows[0]!.pm10 === 3.5
      },
      20_000,
      'the Sensor.Community reading stored with pm10 only',
    )
  })

  it('serves /readyz and /metrics on the operator port only', async () => {
    for (const base of [register.url, platform.ingest.url]) {
      for (const path of ['/readyz', '/metrics'])
        expect((await fetch(`${base}${path}`)).status, `${base}${path}`).toBe(404)
    }
    expect((await fetch(`${platform.ingest.opsUrl}/readyz`)).status).toBe(200)
    expect(platform.ingest.opsUrl).toMatch(/^http:\/\/127\.0\.0\.1:/)
  })
})
