/**
 * Crashes downstream of the broker, against real processes: kill -9 of `streetsense ingest`
 * mid-stream, kill -9 of influxd under load, and InfluxDB down for longer than the spool's bound
 * (a tiny --spool-max-lines). Devices publish known seqs at QoS 1; every acknowledged reading must
 * be in InfluxDB exactly once (by sensor and seq, at its own timestamp).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { waitFor } from '../helpers/ports.js'
import { startTcpProxy } from '../helpers/tcp-proxy.js'
import {
  expectNothingLost,
  letFaultLast,
  type Platform,
  report,
  SequencedDevice,
  startPlatform,
  tally,
} from './fault-kit.js'

const N = 400

describe('faults: ingest and InfluxDB crashes', () => {
  let p: Platform
  const devices: SequencedDevice[] = []
  const device = async (id: string) => {
    const d = new SequencedDevice(id, p.sensors[id]!, p.broker.url)
    devices.push(d)
    await d.connected()
    return d
  }

  beforeAll(async () => {
    p = await startPlatform(['ik-1', 'ik-2', 'ix-1', 'ix-2', 'sp-1', 'nw-1', 'nw-2'])
  }, 240_000)
  afterAll(async () => {
    for (const d of devices) d.end()
    await p?.close()
  })

  it('kill -9 of the ingest mid-stream loses no acknowledged reading', async () => {
    const a = await device('ik-1')
    const b = await device('ik-2')
    const sending = Promise.all([a.publish(1, N, 5), b.publish(1, N, 5)])
    await waitFor(() => a.acked.size > N / 3, 30_000, 'a third acknowledged')
    await p.ingest.kill()
    await sending
    await Promise.all([a.settled(), b.settled()])
    // the broker holds the rest in the ingest's persistent session until it comes back
    await p.startIngest()
    const t = await tally(p.influx, [a, b])
    report('ingest kill -9', t)
    expectNothingLost(t)
    expect(t.stored).toBe(2 * N)
  })

  it('kill -9 of influxd under load loses no acknowledged reading', async () => {
    const a = await device('ix-1')
    const b = await device('ix-2')
    const sending = Promise.all([a.publish(1, N, 5), b.publish(1, N, 5)])
    await waitFor(() => a.acked.size > N / 4, 30_000, 'a quarter acknowledged')
    await p.influx.kill()
    const readyz = async () => (await (await fetch(`${p.ingest.opsUrl}/readyz`)).json()) as { influxReachable: boolean }
    // The outage lasts until the ingest has met it (a write failed); the load or its health point brings one.
    await waitFor(async () => !(await readyz()).influxReachable, 30_000, 'the ingest to find influxd gone')
    await p.influx.restart()
    await sending
    await Promise.all([a.settled(), b.settled()])
    const t = await tally(p.influx, [a, b])
    report('influxd kill -9', t)
    expectNothingLost(t)
    expect(t.stored).toBe(2 * N)
  })

  it('spool full while InfluxDB is down: acks stop, nothing is dropped, all lands after recovery', async () => {
    await p.ingest.stop()
    await p.startIngest(['--spool-max-lines', '20', '--batch-size', '10'])
    const d = await device('sp-1')
    await p.influx.kill()
    await d.publish(1, 300, 5)
    // the broker acknowledges the device; the ingest stops acknowledging at 20 spooled points
    await d.settled()
    await waitFor(
      async () => {
        const ready = await fetch(`${p.ingest.opsUrl}/readyz`)
        return ready.status === 503 && /spool full/.test(await ready.text())
      },
      20_000,
      'readyz to report the full spool',
    )
    await letFaultLast(3000) // the outage goes on with the spool full: nothing may be dropped meanwhile
    await p.influx.restart()
    const t = await tally(p.influx, [d], 90_000)
    report('spool full, influxd down', t, 'spool_max_lines=20')
    expectNothingLost(t)
    expect(t.stored).toBe(300)
  }, 150_000)

  it('network dropped, stalled and flapping between devices and broker: nothing acknowledged is lost', async () => {
    // mqtt.js devices (their own reconnect keeps unacknowledged messages and resends them); the
    // edge agent's own reconnect is covered, and currently broken, in edge-faults.test.ts.
    const proxy = await startTcpProxy([{ port: p.broker.ports.mqtt }])
    try {
      const a = new SequencedDevice('nw-1', p.sensors['nw-1']!, proxy.url)
      const b = new SequencedDevice('nw-2', p.sensors['nw-2']!, proxy.url)
      devices.push(a, b)
      await Promise.all([a.connected(), b.connected()])
      const sending = Promise.all([a.publish(1, 1000, 2), b.publish(1, 1000, 2)])
      await waitFor(() => a.acked.size > 100, 30_000, 'publishing started')
      proxy.dropAll() // every connection cut
      await waitFor(() => proxy.connections() >= 2, 20_000, 'devices reconnected')
      proxy.stall() // black hole for 3 s (under the 1.5 x keepalive the broker allows)
      await letFaultLast(3000)
      proxy.resume()
      const stopFlap = proxy.flap(1000) // cut every second for 5 s
      await letFaultLast(5000)
      stopFlap()
      await sending
      await Promise.all([a.settled(90_000), b.settled(90_000)])
      const t = await tally(p.influx, [a, b])
      // mqtt.js fails (callback error "Connection closed") publishes made while it replays its
      // store and the link drops again; a device retries those, as the edge outbox does.
      report('network drop/stall/flap (mqtt.js devices)', t, `retried_by_device=${a.retried + b.retried}`)
      expectNothingLost(t)
      expect(t.acknowledged).toBe(2000)
      expect(t.stored).toBe(2000)
    } finally {
      await proxy.close()
    }
  }, 150_000)
})
