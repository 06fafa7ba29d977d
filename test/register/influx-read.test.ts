/** Unit test of the InfluxQL read client against a stand-in HTTP server (the flow tests use real influxd). */
import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { StreetsenseError } from '../../core/index.js'
import { createInfluxReader, literal } from '../../register/influx-read.js'

let server: Server
let url: string
const seen: { auth?: string; body: string }[] = []
let reply: { status: number; body: unknown } = { status: 200, body: { results: [] } }

beforeAll(async () => {
  server = createServer((req: IncomingMessage, res) => {
    let body = ''
    req.on('data', (d) => {
      body += d
    })
    req.on('end', () => {
      seen.push({ auth: req.headers.authorization, body })
      res.writeHead(reply.status, { 'content-type': 'application/json' })
      res.end(JSON.stringify(reply.body))
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve))
})

describe('InfluxQL reader', () => {
  it('sends db, epoch=ms and the token as Authorization: Token (InfluxDB 2.x v1 API)', async () => {
    reply = {
      status: 200,
      body: {
        results: [
          {
            statement_id: 0,
            series: [{ name: 'air', tags: { sensor: 's1' }, columns: ['time', 'pm2_5'], values: [[1000, 5]] }],
          },
        ],
      },
    }
    const rows = await createInfluxReader({ url: `${url}/`, db: 'streetsense', token: 'tok-123' }).query('SELECT 1')
    expect(rows).toEqual([[{ time: 1000, pm2_5: 5, sensor: 's1' }]])
    const last = seen.at(-1)!
    expect(last.auth).toBe('Token tok-123')
    const params = new URLSearchParams(last.body)
    expect(params.get('db')).toBe('streetsense')
    expect(params.get('epoch')).toBe('ms')
    expect(params.get('q')).toBe('SELECT 1')
  })

  it('sends no Authorization without a token', async () => {
    reply = { status: 200, body: { results: [{ statement_id: 0 }] } }
    expect(await createInfluxReader({ url, db: 'd' }).query('SELECT 1')).toEqual([[]])
    expect(seen.at(-1)!.auth).toBeUndefined()
  })

  it('treats a missing database as empty, other errors as IOT_REGISTER_INFLUX_UNAVAILABLE', async () => {
    reply = { status: 200, body: { results: [{ statement_id: 0, error: 'database not found: d' }] } }
    expect(await createInfluxReader({ url, db: 'd' }).query('SELECT 1')).toEqual([[]])
    // Several statements on a missing database: InfluxDB 1.6 answers only "not executed".
    reply = { status: 200, body: { results: [{ statement_id: 0, error: 'not executed' }] } }
    expect(await createInfluxReader({ url, db: 'd' }).query('SELECT 1; SELECT 2')).toEqual([[]])
    reply = { status: 401, body: { error: 'unauthorized access' } }
    const err = await createInfluxReader({ url, db: 'd' })
      .query('SELECT 1')
      .catch((e: unknown) => e)
    expect(err).toBeInstanceOf(StreetsenseError)
    expect((err as StreetsenseError).code).toBe('IOT_REGISTER_INFLUX_UNAVAILABLE')
    // InfluxDB's own words stay in the log (the cause), not in what a public client is told.
    expect((err as StreetsenseError).message).not.toContain('unauthorized access')
    expect(String(((err as StreetsenseError).cause as Error).message)).toContain('unauthorized access')
    const down = await createInfluxReader({ url: 'http://127.0.0.1:1', db: 'd' })
      .query('SELECT 1')
      .catch((e: unknown) => e)
    expect((down as StreetsenseError).statusCode).toBe(503)
  })

  it('escapes string literals', () => {
    expect(literal("a'b\\c")).toBe("'a\\'b\\\\c'")
  })
})
