/**
 * Public readers for bench/reads, in their own process: `clients` HTTP clients, each from its own
 * loopback address (the register's rate limit is per client address), each sending `perSecond`
 * requests a second (keep-alive) over a mix of the register's and the open data API's routes for
 * `seconds`. Prints {"event":"done", sent, statuses: {code: n}, p50, p99, routes: {name: {n, p50, p99}}}
 * (ms, all answers).
 *   node --import tsx bench/reads/http-load.ts '{"url","clients","perSecond","seconds","sensors":[ids]}'
 */
import { Agent, request } from 'node:http'

const o = JSON.parse(process.argv[2]!) as {
  url: string
  clients: number
  perSecond: number
  seconds: number
  sensors: string[]
}

/** What a resident, a journalist and a dashboard ask for, in turn: [name, path]. */
const ROUTES: [string, (id: string) => string][] = [
  ['/v1/sensors', () => '/v1/sensors'],
  ['/v1/sensors?format=geojson', () => '/v1/sensors?format=geojson'],
  ['/v1/sensors/{id}', (id) => `/v1/sensors/${id}`],
  ['readings, 6 h raw', (id) => `/v1/sensors/${id}/readings?from=2026-01-01T00:00:00Z&to=2026-01-01T06:00:00Z`],
  ['readings, 1 day hourly', (id) => `/v1/sensors/${id}/readings?from=2026-01-01&to=2026-01-02&every=1h`],
  ['/v1/latest', () => '/v1/latest'],
  ['register page /', () => '/'],
  ['sensor page /sensors/{id}', (id) => `/sensors/${id}`],
]

const statuses: Record<string, number> = {}
const times: number[] = []
const byRoute = new Map<string, number[]>()
let sent = 0

function get(agent: Agent, localAddress: string, i: number): Promise<void> {
  const [route, pathOf] = ROUTES[i % ROUTES.length]!
  const p = pathOf(o.sensors[Math.floor(i / ROUTES.length) % o.sensors.length]!)
  const started = Date.now()
  sent++
  return new Promise((resolve) => {
    const req = request(`${o.url}${p}`, { agent, localAddress }, (res) => {
      res.resume()
      res.on('end', () => {
        statuses[res.statusCode ?? 0] = (statuses[res.statusCode ?? 0] ?? 0) + 1
        times.push(Date.now() - started)
        byRoute.set(route, [...(byRoute.get(route) ?? []), Date.now() - started])
        resolve()
      })
    })
    req.on('error', (err) => {
      statuses[err.message] = (statuses[err.message] ?? 0) + 1
      resolve()
    })
    req.end()
  })
}

async function client(k: number): Promise<void> {
  const agent = new Agent({ keepAlive: true, maxSockets: 4 })
  const localAddress = `127.0.1.${k + 1}`
  const firstAt = Date.now()
  const pending: Promise<void>[] = []
  for (let i = 0; ; i++) {
    // Request i of this client is due at firstAt + i / perSecond (staggered between clients).
    const due = firstAt + ((i + k / o.clients) * 1000) / o.perSecond
    if (due >= firstAt + o.seconds * 1000) break
    const wait = due - Date.now()
    if (wait > 0) await new Promise((r) => setTimeout(r, wait))
    pending.push(get(agent, localAddress, i * o.clients + k))
  }
  await Promise.all(pending)
  agent.destroy()
}

await Promise.all(Array.from({ length: o.clients }, (_, k) => client(k)))
const at = (t: number[], p: number) => {
  const sorted = [...t].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? null
}
const routes = Object.fromEntries([...byRoute].map(([r, t]) => [r, { n: t.length, p50: at(t, 50), p99: at(t, 99) }]))
console.log(JSON.stringify({ event: 'done', sent, statuses, p50: at(times, 50), p99: at(times, 99), routes }))
