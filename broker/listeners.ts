/**
 * The MQTT listeners: TCP, TLS (TLS 1.2+, optional or required client certificates) and
 * WebSocket (any path; clients use /mqtt). Each accepted stream gets its address recorded and the
 * packet-size guard attached, then goes to Aedes.
 */
import { readFileSync } from 'node:fs'
import { createServer as createHttpServer, type Server as HttpServer, type IncomingMessage } from 'node:http'
import { createServer as createNetServer, type Server as NetServer, type Socket } from 'node:net'
import type { Duplex } from 'node:stream'
import { createServer as createTlsServer, type TLSSocket } from 'node:tls'
import type { Aedes } from 'aedes'
import { createWebSocketStream, WebSocketServer } from 'ws'
import type { BrokerContext, ConnectionInfo } from './context.js'
import { GuardedConnection } from './limits/packet-size-guard.js'

export interface Listeners {
  ports: { mqtt?: number; mqtts?: number; ws?: number }
  /** Stops accepting new connections (existing ones stay until Aedes closes them). */
  close(): Promise<void>
}

/** The CN of a verified client certificate, if the client presented one. */
function certName(socket: TLSSocket): string | undefined {
  if (!socket.authorized) return undefined
  const cn = socket.getPeerCertificate()?.subject?.CN
  return (Array.isArray(cn) ? cn[0] : cn) || undefined
}

function listen(server: NetServer | HttpServer, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => {
      server.off('error', reject)
      const address = server.address()
      resolve(typeof address === 'object' && address ? address.port : port)
    })
  })
}

const closeServer = (server: NetServer | HttpServer) => new Promise<void>((resolve) => server.close(() => resolve()))

export async function startListeners(aedes: Aedes, ctx: BrokerContext): Promise<Listeners> {
  const { settings, log, metrics } = ctx
  const servers: (NetServer | HttpServer)[] = []
  const ports: Listeners['ports'] = {}

  const accept = (socket: Duplex, info: ConnectionInfo, req?: IncomingMessage) => {
    const stream = new GuardedConnection(socket, settings.maxPacketBytes, (bytes) => {
      metrics.refusals.inc({ reason: 'packet_too_large' })
      log.warn({ address: info.address, bytes, limit: settings.maxPacketBytes }, 'connection closed: packet too large')
    })
    ctx.connections.set(stream, info)
    aedes.handle(stream, req)
  }
  const onSocket = (socket: Socket) => accept(socket, { address: socket.remoteAddress ?? 'unknown' })
  // Sockets that have not sent CONNECT yet count too, so a flood cannot exhaust file descriptors.
  const socketCap = settings.maxConnections + 100

  try {
    if (settings.tcp) {
      const server = createNetServer(onSocket)
      server.maxConnections = socketCap
      servers.push(server)
      ports.mqtt = await listen(server, settings.port, settings.host)
    }
    if (settings.tlsPort !== undefined) {
      if (!settings.tlsCert || !settings.tlsKey) throw new Error('--tls-port needs --tls-cert and --tls-key')
      const server = createTlsServer(
        {
          cert: readFileSync(settings.tlsCert),
          key: readFileSync(settings.tlsKey),
          ...(settings.tlsCa ? { ca: readFileSync(settings.tlsCa), requestCert: true } : {}),
          rejectUnauthorized: settings.tlsRequireClientCert,
          minVersion: 'TLSv1.2',
        },
        (socket: TLSSocket) =>
          accept(socket, { address: socket.remoteAddress ?? 'unknown', certName: certName(socket) }),
      )
      server.on('tlsClientError', (err) => log.debug({ err: err.message }, 'TLS handshake failed'))
      server.maxConnections = socketCap
      servers.push(server)
      ports.mqtts = await listen(server, settings.tlsPort, settings.host)
    }
    if (settings.wsPort !== undefined) {
      const http = createHttpServer((_req, res) => {
        res.writeHead(426, { 'content-type': 'text/plain' }).end('MQTT over WebSocket: connect with ws:// to /mqtt\n')
      })
      http.maxConnections = socketCap
      // ws refuses frames larger than the MQTT limit itself, before buffering them.
      const wss = new WebSocketServer({ server: http, maxPayload: settings.maxPacketBytes })
      wss.on('connection', (ws, req) => {
        const stream = createWebSocketStream(ws)
        stream.on('error', () => stream.destroy())
        accept(stream, { address: req.socket.remoteAddress ?? 'unknown' }, req)
      })
      servers.push(http)
      ports.ws = await listen(http, settings.wsPort, settings.host)
    }
  } catch (err) {
    await Promise.all(servers.map(closeServer))
    throw err
  }

  return {
    ports,
    async close() {
      await Promise.all(servers.map(closeServer))
    },
  }
}
