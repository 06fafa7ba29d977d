/**
 * A login its client gave up on must not take the client id over (broker/client-registry-guard.ts),
 * with Aedes in process over real TCP and the broker's own socket wrapper (GuardedConnection). The
 * password check is slowed down here, as a reconnect storm slows it down (logins queue for scrypt):
 * the client sends its CONNECT and leaves (FIN) before its login completes, while its newer
 * connection is live. Before the guard, the late login was registered and closed the live one.
 */
import { createServer, type Server } from 'node:net'
import { Aedes, type Client } from 'aedes'
import mqtt from 'mqtt'
import mqttPacket from 'mqtt-packet'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { guardClientRegistry } from '../../broker/client-registry-guard.js'
import { GuardedConnection } from '../../broker/limits/packet-size-guard.js'
import { freePort, waitFor } from '../helpers/ports.js'

const ID = 'storm-1'

describe('client registry guard: a login its client gave up on', () => {
  let broker: Aedes
  let server: Server
  let port: number
  const abandoned: Client[] = []
  let slowLogins = false

  beforeAll(async () => {
    broker = await Aedes.createBroker({
      authenticate: (_client, _user, _password, done) => {
        if (slowLogins)
          setTimeout(() => done(null, true), 300) // the queue for the password check
        else done(null, true)
      },
    })
    expect(guardClientRegistry(broker, (client) => abandoned.push(client))).toBe(true)
    server = createServer((socket) => broker.handle(new GuardedConnection(socket, 65_536, () => undefined)))
    port = await freePort()
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve))
  })
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()))
    await new Promise<void>((resolve) => broker.close(() => resolve()))
  })

  it('is closed unregistered, and the live connection of its client id stays up', async () => {
    const live = mqtt.connect(`mqtt://127.0.0.1:${port}`, { clientId: ID, clean: false, reconnectPeriod: 0 })
    live.on('error', () => undefined)
    let closes = 0
    live.on('close', () => closes++)
    await waitFor(() => live.connected, 10_000, 'the live connection')
    slowLogins = true
    const connect = mqttPacket.generate({
      cmd: 'connect',
      protocolId: 'MQTT',
      protocolVersion: 4,
      clientId: ID,
      clean: false,
      keepalive: 30,
    })
    const { connect: tcp } = await import('node:net')
    const gone = tcp(port, '127.0.0.1', () => gone.end(connect)) // CONNECT, then FIN at once
    gone.on('error', () => undefined)
    gone.resume()
    await waitFor(() => abandoned.length === 1, 10_000, 'the late login to finish')
    expect(abandoned[0]!.id).toBe(ID)
    expect(closes).toBe(0)
    expect(live.connected).toBe(true)
    const clients = (broker as unknown as { clients: Record<string, Client> }).clients
    expect(broker.connectedClients).toBe(1)
    expect(Object.keys(clients)).toEqual([ID])
    live.end(true)
  }, 30_000)
})
