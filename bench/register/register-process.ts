/**
 * The register (open data plugin) alone in its own process, for the benchmarks: it reads the
 * registry in `dataDir` and InfluxDB, optionally runs the live feed from a broker, prints
 * {"event":"listening","port":N} and answers "memory" messages with its peak RSS and heap since
 * the last "reset" (sampled every 50 ms).
 *   node --import tsx bench/register/register-process.ts '<json options>'
 */
import Fastify from 'fastify'
import { pino } from 'pino'
import { mqttLiveSource, openDataPlugin } from '../../register/index.js'
import { openRegistry } from '../../registry/index.js'

interface Options {
  dataDir: string
  influxUrl: string
  db: string
  live?: { url: string; username: string; password: string; maxClients: number }
}

const opts = JSON.parse(process.argv[2] ?? '{}') as Options
const log = pino({ level: 'warn' })
const registry = openRegistry(opts.dataDir)
const app = Fastify({ logger: false })
const live = opts.live
await app.register(openDataPlugin, {
  registry,
  influx: { url: opts.influxUrl, db: opts.db },
  log,
  rateLimit: false,
  ...(live
    ? {
        live: {
          source: mqttLiveSource({ url: live.url, username: live.username, password: live.password, log }),
          limits: { maxClients: live.maxClients, maxClientsPerAddress: live.maxClients },
        },
      }
    : {}),
})
await app.listen({ port: 0, host: '127.0.0.1' })

let peak = { rss: 0, heapUsed: 0 }
const sample = () => {
  const m = process.memoryUsage()
  peak = { rss: Math.max(peak.rss, m.rss), heapUsed: Math.max(peak.heapUsed, m.heapUsed) }
}
setInterval(sample, 50).unref()
process.on('message', (msg) => {
  if (msg === 'reset') peak = { rss: 0, heapUsed: 0 }
  sample()
  process.send?.({ memory: peak })
})
process.on('SIGTERM', async () => {
  await app.close()
  registry.close()
  process.exit(0)
})
const address = app.server.address()
console.log(JSON.stringify({ event: 'listening', port: typeof address === 'object' ? address?.port : 0 }))
