/**
 * The ingest's two listeners, started last: device intake on the HTTP port (the intake routes,
 * then any extra plugins), and /metrics, /healthz, /readyz on the operator port.
 */
import type { FastifyInstance } from 'fastify'
import type { IngestConfig } from '../config.js'
import { type AppDeps, buildApp, type PluginEntry } from './app.js'
import { type OpsDeps, startOpsApp } from './ops-routes.js'

/** The HTTP side starts last: if a port is taken, what started before it is stopped, not left running. */
export async function listenOrStop<T>(start: () => Promise<T>, stop: () => Promise<void>): Promise<T> {
  try {
    return await start()
  } catch (err) {
    await stop()
    throw err
  }
}

export interface Listeners {
  app: FastifyInstance
  port: number
  opsPort: number
  close(): Promise<void>
}

/** Device intake on the HTTP port, then /metrics, /healthz, /readyz on the operator port. */
export async function startListeners(
  config: IngestConfig,
  plugins: PluginEntry[],
  parts: AppDeps & Omit<OpsDeps, 'refreshGauges'>,
  refreshGauges: () => void,
): Promise<Listeners> {
  const { app, port } = await startHttp(config, { ...parts, plugins })
  try {
    const ops = await startOpsApp(config, { ...parts, refreshGauges })
    const close = async () => {
      await app.close()
      await ops.app.close()
    }
    return { app, port, opsPort: ops.port, close }
  } catch (err) {
    await app.close()
    throw err
  }
}

/** The intake HTTP app with the ingest's routes, then deps.plugins, listening. */
async function startHttp(config: IngestConfig, deps: AppDeps): Promise<{ app: FastifyInstance; port: number }> {
  const app = await buildApp(config, deps)
  try {
    await app.listen({ host: config.httpHost, port: config.httpPort })
  } catch (err) {
    await app.close()
    throw err
  }
  const address = app.server.address()
  const port = typeof address === 'object' && address ? address.port : config.httpPort
  return { app, port }
}
