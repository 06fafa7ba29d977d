/**
 * Crashes downstream of the broker, against real processes: kill -9 of `streetsense ingest`
 * mid-stream, kill -9 of influxd under load, and InfluxDB down for longer than the spool's bound
 * (a tiny --spool-max-lines). Devices publish known seqs at QoS 1; every acknowledged reading must
 * be in InfluxDB exactly once (by sensor and seq, at its own timestamp).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { waitFor } from '../helpers/ports.js'
import { expectNothingLost, type Platform, report, SequencedDevice, startPlatform, tally } from './fault-kit.js'

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
    p = await startPlatform(['ik-1', 'ik-2', 'ix-1', 'ix-2', 'sp-1'])
  })
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
    await new Promise((r) => setTimeout(r, 2000))
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
        const ready = await fetch(`${p.ingest.url}/readyz`)
        return ready.status === 503 && /spool full/.test(await ready.text())
      },
      20_000,
      'readyz to report the full spool',
    )
    await new Promise((r) => setTimeout(r, 3000)) // longer than the spool's bound lasts
    await p.influx.restart()
    const t = await tally(p.influx, [d], 90_000)
    report('spool full, influxd down', t, 'spool_max_lines=20')
    expectNothingLost(t)
    expect(t.stored).toBe(300)
  })
})
