/**
 * The Arduino driver reconnecting after its USB link drops (emulated Uno behind a socat pty).
 * In a file of its own: johnny-five keeps process-wide state about every board it has seen, and
 * this test is about one driver's reconnect, not about several boards in one process. Analog
 * readings (reported continuously) show that data flows again after the reconnect.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, it } from 'vitest'
import { ArduinoDriver } from '../../edge/sensors/arduino.js'
import { waitFor } from '../helpers/ports.js'
import { startEmulatedUno } from './helpers/avr-uno.js'
import { startPtyPair } from './helpers/pty.js'

const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

describe('Arduino driver reconnect', () => {
  it('reconnects to the board after the USB link drops', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'edge-uno-replug-'))
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }))
    let pty = await startPtyPair(dir, 'uno')
    let uno = await startEmulatedUno(pty.sensorPath)
    uno.setAnalog(0, 0.26)
    uno.setAnalog(1, 0.23)
    cleanups.push(async () => {
      await uno.stop()
      await pty.kill()
    })
    const driver = new ArduinoDriver(
      {
        driver: 'arduino',
        port: pty.agentPath,
        no2: {
          we: 'A0',
          ae: 'A1',
          vrefMv: 5000,
          sampleMs: 200,
          calibration: {
            weElectronicZeroMv: 224,
            aeElectronicZeroMv: 226,
            weSensitivityNaPerPpm: -431,
            gainMvPerNa: -0.73,
            defaultTemperatureC: 20,
          },
        },
      },
      { readyTimeoutMs: 60_000 },
    )
    const faults: string[] = []
    const frames: string[] = []
    const readyAt: number[] = []
    const sampleTimes: number[] = []
    driver.on('fault', (e) => faults.push(e.code))
    driver.on('frame', (f) => {
      frames.push(f)
      if (f.startsWith('ready')) readyAt.push(Date.now())
    })
    driver.on('sample', (s) => sampleTimes.push(s.time))
    await driver.start()
    cleanups.push(() => driver.stop())
    await waitFor(() => sampleTimes.length > 0, 60_000, 'board ready and reading')

    // Unplug: the line drops under the board and the driver.
    await uno.stop()
    await pty.kill()
    await waitFor(() => faults.includes('IOT_EDGE_BOARD'), 30_000, 'link loss noticed')
    // Replug: the same path comes back (a fresh emulated chip: a real Uno resets when USB opens).
    pty = await startPtyPair(dir, 'uno')
    uno = await startEmulatedUno(pty.sensorPath)
    uno.setAnalog(0, 0.26)
    uno.setAnalog(1, 0.23)
    await waitFor(() => frames.filter((f) => f.startsWith('ready')).length >= 2, 60_000, 'board ready again')
    // Readings flow again from the reconnected board.
    await waitFor(() => sampleTimes.some((t) => t > readyAt[1]!), 30_000, 'a reading after reconnecting').catch(
      (e: Error) => {
        throw new Error(`${e.message}; frames ${JSON.stringify(frames.slice(-5))}; faults ${JSON.stringify(faults)}`)
      },
    )
  })
})
