/** GET /metrics (Prometheus text) and GET /healthz (JSON; 503 while shutting down) on --metrics-port. */
import { createServer, type Server } from 'node:http'
import type { BrokerMetrics } from './metrics.js'

export interface Health {
  status: 'ok' | 'stopping'
  connections: number
  persistence: 'memory' | 'redis'
  overloaded: boolean
}

export async function startMetricsServer(
  metrics: BrokerMetrics,
  health: () => Health,
  port: number,
  host: string,
): Promise<{ port: number; server: Server }> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]
    if (req.method !== 'GET') return res.writeHead(405).end()
    if (path === '/metrics') {
      metrics.registry.metrics().then(
        (text) => res.writeHead(200, { 'content-type': metrics.registry.contentType }).end(text),
        () => res.writeHead(500).end(),
      )
      return
    }
    if (path === '/healthz') {
      const h = health()
      return res.writeHead(h.status === 'ok' ? 200 : 503, { 'content-type': 'application/json' }).end(JSON.stringify(h))
    }
    res.writeHead(404).end()
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => resolve())
  })
  const address = server.address()
  return { port: typeof address === 'object' && address ? address.port : port, server }
}
