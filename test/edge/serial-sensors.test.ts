/**
 * SDS011 and PMS5003 drivers against emulated sensors on a socat pty pair, read by the real
 * serialport 13 bindings: start-up commands, frames split across writes, garbage, checksum
 * errors, and an unplug (socat killed) followed by a replug.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import type { StreetsenseError } from '../../core/index.js'
import type { AirSample, SensorDriver } from '../../edge/sensors/driver.js'
import { Pms5003Driver } from '../../edge/sensors/pms5003.js'
import { PMS5003, pms5003DataFrame } from '../../edge/sensors/pms5003-frame.js'
import { Sds011Driver } from '../../edge/sensors/sds011.js'
import { SDS011, sds011DataFrame } from '../../edge/sensors/sds011-frame.js'
import { waitFor } from '../helpers/ports.js'
import { openSensorEnd, startPtyPair } from './helpers/pty.js'

const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

function watch(driver: SensorDriver) {
  const samples: AirSample['values'][] = []
  const faults: StreetsenseError[] = []
  driver.on('sample', (s) => s.kind === 'air' && samples.push(s.values))
  driver.on('fault', (e) => faults.push(e))
  return { samples, faults }
}

const cases = [
  {
    name: 'SDS011',
    make: (port: string) => new Sds011Driver({ driver: 'sds011', port, workingPeriodMinutes: 0, sleepOnStop: true }),
    startup: [SDS011.work(), SDS011.workingPeriod(0), SDS011.setActiveMode()],
    sleep: SDS011.sleep(),
    frame: (i: number) => sds011DataFrame(10 + i, 20 + i),
    expected: (i: number) => ({ pm2_5: 10 + i, pm10: 20 + i }),
    corrupt: (b: Buffer) => {
      b[8] = (b[8]! + 1) & 0xff
      return b
    },
  },
  {
    name: 'PMS5003',
    make: (port: string) => new Pms5003Driver({ driver: 'pms5003', port, sleepOnStop: true }),
    startup: [PMS5003.wake(), PMS5003.activeMode()],
    sleep: PMS5003.sleep(),
    frame: (i: number) => pms5003DataFrame(3 + i, 10 + i, 20 + i),
    expected: (i: number) => ({ pm1: 3 + i, pm2_5: 10 + i, pm10: 20 + i }),
    corrupt: (b: Buffer) => {
      b[31] = (b[31]! + 1) & 0xff
      return b
    },
  },
]

describe.each(cases)('$name over a real pty', (c) => {
  it('configures the sensor, reads frames through garbage and bad checksums, survives an unplug', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'edge-pty-'))
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }))
    let pty = await startPtyPair(dir)
    cleanups.push(() => pty.kill())
    let sensor = await openSensorEnd(pty.sensorPath)
    cleanups.push(() => sensor.close())
    const driver = c.make(pty.agentPath)
    const { samples, faults } = watch(driver)
    await driver.start()
    cleanups.push(() => driver.stop())

    // The driver wakes the sensor and sets its reporting mode.
    const startup = Buffer.concat(c.startup)
    await waitFor(() => sensor.received().includes(startup), 10_000, 'start-up commands')

    const f1 = c.frame(1)
    await sensor.write(Buffer.concat([Buffer.from([0x00, 0x13, 0x37]), f1.subarray(0, 5)]))
    await sensor.write(f1.subarray(5))
    await sensor.write(c.corrupt(c.frame(99)))
    await sensor.write(Buffer.concat([Buffer.from('noise'), c.frame(2)]))
    await waitFor(() => samples.length >= 2, 10_000, 'two samples')
    expect(samples).toEqual([c.expected(1), c.expected(2)])
    expect(faults.map((f) => f.code)).toContain('IOT_EDGE_FRAME_CHECKSUM')
    expect(faults.map((f) => f.code)).toContain('IOT_EDGE_FRAME_GARBAGE')

    // Unplug: the line drops; the driver says so and keeps trying.
    await sensor.close()
    await pty.kill()
    await waitFor(() => faults.some((f) => f.code === 'IOT_EDGE_SERIAL_LOST'), 10_000, 'unplug noticed')

    // Replug on the same path: the driver reopens, re-sends its start-up commands, reads again.
    pty = await startPtyPair(dir)
    sensor = await openSensorEnd(pty.sensorPath)
    await waitFor(() => sensor.received().includes(startup), 20_000, 'start-up commands after replug')
    await sensor.write(c.frame(3))
    await waitFor(() => samples.length >= 3, 10_000, 'sample after replug')
    expect(samples[2]).toEqual(c.expected(3))

    // On stop the sensor is put to sleep (saves the laser).
    await driver.stop()
    await waitFor(() => sensor.received().includes(c.sleep), 5000, 'sleep command')
  })
})
