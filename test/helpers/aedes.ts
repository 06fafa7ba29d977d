/**
 * A plain Aedes broker (no auth) on a free loopback port, for flow tests of hops that are not
 * the broker itself. The broker's own tests start `streetsense broker` instead.
 */
import { createServer, type Server } from 'node:net'
import { Aedes } from 'aedes'
import { freePort } from './ports.js'

export interface TestBroker {
  url: string
  port: number
  broker: Aedes
  close(): Promise<void>
}

export async function startPlainAedes(port?: number): Promise<TestBroker> {
  const broker = await Aedes.createBroker()
  const server: Server = createServer(broker.handle)
  const listenPort = port ?? (await freePort())
  await new Promise<void>((resolve) => server.listen(listenPort, '127.0.0.1', resolve))
  return {
    url: `mqtt://127.0.0.1:${listenPort}`,
    port: listenPort,
    broker,
    async close() {
      // `clients` exists at run time but not in aedes' types.
      const clients = (broker as unknown as { clients: Record<string, { close(): void }> }).clients
      for (const client of Object.values(clients)) client.close()
      await new Promise<void>((resolve) => server.close(() => resolve()))
      await new Promise<void>((resolve) => broker.close(() => resolve()))
    },
  }
}
