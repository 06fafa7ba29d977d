/**
 * Issue 14, item 3: CSRF on the admin API, against the real `streetsense register` process and
 * real Chromium. The audit retired a sensor from a page on another origin: the retire route took
 * a body-less or text/plain POST, and its 401 carried `WWW-Authenticate: Basic`, so a browser that
 * knew the admin's password answered the challenge by itself. Now every state-changing admin
 * request must be `application/json` (which no plain form can send, and which cross-origin needs
 * a CORS preflight this API never grants), and a 401 never challenges for Basic.
 */
import { createServer, type Server } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { launchChromium } from '../helpers/chromium.js'
import { type InfluxServer, startInfluxd } from '../helpers/influxd.js'
import {
  addAccount,
  addSensor,
  type Issued,
  type RegisterProcess,
  startRegisterProcess,
  tempDir,
} from '../helpers/processes.js'

const CAMDEN = 'E09000007'
const basic = (c: Issued) => `Basic ${Buffer.from(`${c.username}:${c.password}`).toString('base64')}`

describe('admin API: no cross-site request can change the register (real register, Chromium)', () => {
  const data = tempDir('ss-csrf-')
  let influx: InfluxServer
  let register: RegisterProcess
  let admin: Issued
  let evil: Server
  let evilUrl: string

  const status = async (id: string) => {
    const res = await fetch(`${register.url}/v1/sensors/${id}`)
    const body = (await res.json()) as { status: string }
    if (!res.ok) throw new Error(`${res.status} ${JSON.stringify(body)}`)
    return body.status
  }

  beforeAll(async () => {
    for (const id of ['cam-1', 'cam-2', 'cam-3']) await addSensor(data.dir, id, CAMDEN)
    admin = await addAccount(data.dir, 'camden-admin', 'admin', [CAMDEN])
    influx = await startInfluxd()
    register = await startRegisterProcess({ dataDir: data.dir, influxUrl: influx.url })
    // The attacker's site: pages that post to the register as soon as they load.
    const retire = (id: string) => `${register.url}/v1/admin/sensors/${id}/retire`
    const pages: Record<string, string> = {
      '/form-text': `<form method="post" enctype="text/plain" action="${retire('cam-1')}"><input name='{"a":"' value='"}'></form><script>document.forms[0].submit()</script>`,
      '/form-urlencoded': `<form method="post" action="${retire('cam-1')}"><input name="x" value="1"></form><script>document.forms[0].submit()</script>`,
      '/fetch': `<script>fetch(${JSON.stringify(retire('cam-1'))}, { method: 'POST', mode: 'no-cors', credentials: 'include', headers: { 'content-type': 'text/plain' }, body: '{}' }).finally(() => { document.title = 'sent' })</script>`,
      '/fetch-json': `<script>fetch(${JSON.stringify(retire('cam-1'))}, { method: 'POST', credentials: 'include', headers: { 'content-type': 'application/json' }, body: '{}' }).then(() => { document.title = 'allowed' }, () => { document.title = 'blocked' })</script>`,
    }
    evil = createServer((req, res) => {
      res
        .writeHead(200, { 'content-type': 'text/html' })
        .end(`<!doctype html><title>x</title>${pages[req.url ?? ''] ?? ''}`)
    })
    await new Promise<void>((r) => evil.listen(0, '127.0.0.1', r))
    const address = evil.address() as { port: number }
    // "localhost" is another origin (and site) than the register's 127.0.0.1.
    evilUrl = `http://localhost:${address.port}`
  }, 120_000)

  afterAll(async () => {
    evil?.close()
    await register?.stop()
    await influx?.stop()
    data.remove()
  })

  it('refuses state-changing admin requests that are not JSON, even with valid credentials', async () => {
    const post = (contentType: string | undefined, body?: string) =>
      fetch(`${register.url}/v1/admin/sensors/cam-2/retire`, {
        method: 'POST',
        headers: { authorization: basic(admin), ...(contentType ? { 'content-type': contentType } : {}) },
        ...(body !== undefined ? { body } : {}),
      })
    for (const [type, body] of [
      [undefined, undefined],
      ['text/plain', '{}'],
      ['application/x-www-form-urlencoded', 'x=1'],
      ['multipart/form-data; boundary=b', '--b\r\nContent-Disposition: form-data; name="x"\r\n\r\n1\r\n--b--\r\n'],
      ['text/json', '{}'],
    ] as const) {
      const res = await post(type, body)
      expect(res.status, String(type)).toBe(415)
      expect(((await res.json()) as { code: string }).code).toBe('IOT_REGISTER_UNSUPPORTED_MEDIA_TYPE')
    }
    expect(await status('cam-2')).toBe('active')
    // The same request as JSON is what the API (and curl, and scripts) send.
    const json = await post('application/json; charset=utf-8', '{}')
    expect(json.status).toBe(200)
    expect(await status('cam-2')).toBe('retired')
  })

  it('never answers 401 with a Basic challenge, and grants no cross-origin writes', async () => {
    const res = await fetch(`${register.url}/v1/admin/audit`)
    expect(res.status).toBe(401)
    expect(res.headers.get('www-authenticate') ?? '').not.toMatch(/basic/i)
    const preflight = await fetch(`${register.url}/v1/admin/sensors/cam-1/retire`, {
      method: 'OPTIONS',
      headers: {
        origin: evilUrl,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type',
      },
    })
    expect(preflight.headers.get('access-control-allow-methods') ?? '').not.toMatch(/POST/)
  })

  it("a page on another origin, in a browser that knows the admin's password, cannot retire a sensor", async () => {
    const browser = await launchChromium({ httpCredentials: { username: admin.username, password: admin.password } })
    try {
      const page = await browser.context.newPage()
      const answers: string[] = []
      page.on('response', (r) => {
        if (r.url().startsWith(register.url)) answers.push(`${r.request().method()} ${r.status()}`)
      })
      for (const path of ['/form-text', '/form-urlencoded']) {
        await page.goto(`${evilUrl}${path}`)
        await page.waitForURL(/\/retire$/)
      }
      await page.goto(`${evilUrl}/fetch`)
      await page.waitForFunction(() => document.title === 'sent')
      await page.goto(`${evilUrl}/fetch-json`)
      await page.waitForFunction(() => document.title !== 'x')
      expect(await page.title()).toBe('blocked')
      // The browser would answer a Basic challenge with the password it holds: there is none.
      await page.goto(`${register.url}/v1/admin/audit`)
      expect(answers.at(-1)).toBe('GET 401')
      console.log(`CSRF: answers to the attacker's requests: ${answers.join(', ')}`)
      expect(answers.filter((a) => a.startsWith('POST')).every((a) => a === 'POST 415')).toBe(true)
    } finally {
      await browser.close()
    }
    expect(await status('cam-1')).toBe('active')
    const audit = await fetch(`${register.url}/v1/admin/audit?sensor=cam-1`, {
      headers: { authorization: basic(admin) },
    })
    const events = ((await audit.json()) as { events: { action: string }[] }).events
    expect(events.map((e) => e.action)).toEqual(['sensor.add'])
  })
})
