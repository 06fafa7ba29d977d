import { spawn } from 'node:child_process'
import { createInterface } from 'node:readline'
import { startInfluxd } from '/work/main/test/helpers/influxd.js'
import { freePort } from '/work/main/test/helpers/ports.js'
const influx = await startInfluxd()
await influx.createDatabase('p')
const port = await freePort()
const start = (file: string, args: string[]) => new Promise<any>((resolve) => {
  const c = spawn(process.execPath, ['--import', 'tsx', ...(process.env.PROF && file.includes('ingest-process') ? ['--cpu-prof', '--cpu-prof-dir=/tmp/ingest-scratch/prof'] : []), file, ...args], { stdio: ['ignore', 'pipe', 'inherit'], cwd: '/work/main' })
  createInterface({ input: c.stdout! }).on('line', (l) => { if (l.includes('listening')) resolve(c); else console.log(l) })
})
const broker = await start('bench/ingest/broker-process.ts', [String(port)])
const consumer = await start(process.env.NAIVE ? 'bench/ingest/naive-consumer.ts' : 'bench/ingest/ingest-process.ts', [`mqtt://127.0.0.1:${port}`, influx.url, 'p'])
const t0 = Date.now()
const load = spawn(process.execPath, ['--import', 'tsx', 'bench/ingest/load.ts', JSON.stringify({ url: `mqtt://127.0.0.1:${port}`, mode: process.env.MODE ?? 'single', total: 20000, rate: 0, connections: 20, seqOffset: 0 })], { stdio: ['ignore', 'pipe', 'inherit'], cwd: '/work/main' })
createInterface({ input: load.stdout! }).on('line', (l) => console.log('load', Date.now() - t0, l))
for (;;) {
  const rows = await influx.rows('SELECT count(pm2_5) FROM air', 'p').catch(() => [])
  const n = Number(rows[0]?.count ?? 0)
  console.log(Date.now() - t0, n)
  if (n >= 20000) break
  await new Promise((r) => setTimeout(r, 500))
}
consumer.kill('SIGTERM'); broker.kill('SIGTERM')
await new Promise((r) => setTimeout(r, 1000))
await influx.stop()
process.exit(0)
