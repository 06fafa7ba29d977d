/**
 * A local TCP proxy for network faults between a client (edge agent, device) and a server
 * (broker): forward, drop every connection, stall (keep sockets open but stop forwarding), refuse
 * new connections, flap. With several targets it fails over to the next one that accepts, like a
 * TCP load balancer in front of broker nodes.
 */
import { createServer, type Server, type Socket, connect as tcpConnect } from 'node:net'
import { freePort } from './ports.js'

export interface TcpProxy {
  port: number
  url: string
  /** Connections currently open. */
  connections(): number
  /** Destroys every open connection (the network dropped them); new ones are still accepted. */
  dropAll(): void
  /** Stops forwarding in both directions; sockets stay open (a black hole). */
  stall(): void
  /** Forwards again after stall() (and accepts again after refuse()). */
  resume(): void
  /** Destroys connections and refuses new ones until resume(). */
  refuse(): void
  /** Drops all connections every `periodMs` until the returned function is called. */
  flap(periodMs: number): () => void
  close(): Promise<void>
}

export async function startTcpProxy(targets: { host?: string; port: number }[]): Promise<TcpProxy> {
  const pairs = new Set<[Socket, Socket]>()
  let stalled = false
  let refusing = false

  const connectUpstream = (i: number, client: Socket) => {
    const target = targets[i]
    if (!target) return client.destroy()
    const upstream = tcpConnect(target.port, target.host ?? '127.0.0.1')
    let opened = false
    upstream.once('connect', () => {
      opened = true
      const pair: [Socket, Socket] = [client, upstream]
      pairs.add(pair)
      const forward = (from: Socket, to: Socket) => {
        from.on('data', (chunk) => {
          if (!to.write(chunk)) {
            from.pause()
            to.once('drain', () => {
              if (!stalled) from.resume()
            })
          }
        })
      }
      forward(client, upstream)
      forward(upstream, client)
      if (stalled) {
        client.pause()
        upstream.pause()
      }
      const end = () => {
        pairs.delete(pair)
        client.destroy()
        upstream.destroy()
      }
      client.on('close', end)
      upstream.on('close', end)
      client.on('error', end)
      upstream.on('error', end)
    })
    upstream.once('error', () => {
      if (!opened) connectUpstream(i + 1, client) // fail over to the next target
    })
  }

  const server: Server = createServer((client) => {
    client.on('error', () => client.destroy())
    if (refusing) return client.destroy()
    connectUpstream(0, client)
  })
  const port = await freePort()
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve))

  const dropAll = () => {
    for (const [a, b] of pairs) {
      a.destroy()
      b.destroy()
    }
    pairs.clear()
  }

  return {
    port,
    url: `mqtt://127.0.0.1:${port}`,
    connections: () => pairs.size,
    dropAll,
    stall() {
      // Nothing is read any more, so nothing is forwarded; bytes wait in the kernel buffers, as on
      // a link that black-holes packets until keepalive gives up.
      stalled = true
      for (const [a, b] of pairs) {
        a.pause()
        b.pause()
      }
    },
    resume() {
      stalled = false
      refusing = false
      for (const [a, b] of pairs) {
        a.resume()
        b.resume()
      }
    },
    refuse() {
      refusing = true
      dropAll()
    },
    flap(periodMs) {
      const timer = setInterval(dropAll, periodMs)
      return () => clearInterval(timer)
    },
    async close() {
      dropAll()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
