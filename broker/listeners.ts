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

/** Hands an accepted stream to Aedes, with its address recorded and the packet-size guard in front. */
type Accept = (socket: Duplex, info: ConnectionInfo, req?: IncomingMessage) => void

export async function startListeners(aedes: Aedes, ctx: BrokerContext): Promise<Listeners> {
  const { settings } = ctx
  const accept = acceptInto(aedes, ctx)
  const servers: (NetServer | HttpServer)[] = []
  const ports: Listeners['ports'] = {}
  // Servers are kept before they listen, so a port that fails closes the ones already open.
  const open = (server: NetServer | HttpServer, port: number) => {
    servers.push(server)
    return listen(server, port, settings.host)
  }
  try {
    if (settings.tcp) ports.mqtt = await open(tcpServer(ctx, accept), settings.port)
    if (settings.tlsPort !== undefined) ports.mqtts = await open(tlsServer(ctx, accept), settings.tlsPort)
    if (settings.wsPort !== undefined) ports.ws = await open(webSocketServer(ctx, accept), settings.wsPort)
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

function acceptInto(aedes: Aedes, { settings, log, metrics, connections }: BrokerContext): Accept {
  return (socket, info, req) => {
    const stream = new GuardedConnection(socket, settings.maxPacketBytes, (bytes) => {
      metrics.refusals.inc({ reason: 'packet_too_large' })
      log.warn({ address: info.address, bytes, limit: settings.maxPacketBytes }, 'connection closed: packet too large')
    })
    connections.set(stream, info)
    aedes.handle(stream, req)
  }
}

/** Sockets that have not sent CONNECT yet count too, so a flood cannot exhaust file descriptors. */
const socketCap = (ctx: BrokerContext) => ctx.settings.maxConnections + 100

function tcpServer(ctx: BrokerContext, accept: Accept): NetServer {
  const server = createNetServer((socket: Socket) => accept(socket, { address: socket.remoteAddress ?? 'unknown' }))
  server.maxConnections = socketCap(ctx)
  return server
}

/** TLS 1.2+; with a CA, client certificates are requested (and required if the settings say so). */
function tlsServer(ctx: BrokerContext, accept: Accept): NetServer {
  const { settings, log } = ctx
  if (!settings.tlsCert || !settings.tlsKey) throw new Error('--tls-port needs --tls-cert and --tls-key')
  const options = {
    cert: readFileSync(settings.tlsCert),
    key: readFileSync(settings.tlsKey),
    ...(settings.tlsCa ? { ca: readFileSync(settings.tlsCa), requestCert: true } : {}),
    rejectUnauthorized: settings.tlsRequireClientCert,
    minVersion: 'TLSv1.2' as const,
  }
  const server = createTlsServer(options, (socket: TLSSocket) =>
    accept(socket, { address: socket.remoteAddress ?? 'unknown', certName: certName(socket) }),
  )
  server.on('tlsClientError', (err) => log.debug({ err: err.message }, 'TLS handshake failed'))
  server.maxConnections = socketCap(ctx)
  return server
}

function webSocketServer(ctx: BrokerContext, accept: Accept): HttpServer {
  const http = createHttpServer((_req, res) => {
    res.writeHead(426, { 'content-type': 'text/plain' }).end('MQTT over WebSocket: connect with ws:// to /mqtt\n')
  })
  http.maxConnections = socketCap(ctx)
  // ws refuses frames larger than the MQTT limit itself, before buffering them.
  const wss = new WebSocketServer({ server: http, maxPayload: ctx.settings.maxPacketBytes })
  wss.on('connection', (ws, req) => {
    const stream = createWebSocketStream(ws)
    stream.on('error', () => stream.destroy())
    accept(stream, { address: req.socket.remoteAddress ?? 'unknown' }, req)
  })
  return http
}
