/**
 * The Arduino driver against an emulated Uno (avr8js running avrgirl's StandardFirmata hex) behind
 * a socat pty, driven by johnny-five over firmata-io and serialport 13: an analog NO2-B43F reading
 * and traffic counts from a PIR input arrive as correct readings.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pino } from 'pino'
import { afterEach, describe, expect, it } from 'vitest'
import { createEdgeAgent } from '../../edge/agent.js'
import { Aggregator } from '../../edge/aggregate/aggregator.js'
import { parseEdgeConfig } from '../../edge/config.js'
import { ArduinoDriver } from '../../edge/sensors/arduino.js'
import type { Sample } from '../../edge/sensors/driver.js'
import { no2FromElectrodes } from '../../edge/sensors/no2-b43f.js'
import { validateReading } from '../../schemas/validate.js'
import { startPlainAedes } from '../helpers/aedes.js'
import { waitFor } from '../helpers/ports.js'
import { startEmulatedUno } from './helpers/avr-uno.js'
import { tapReadings } from './helpers/broker-tap.js'
import { seenIdle, settle } from './helpers/firmata-inputs.js'
import { startPtyPair } from './helpers/pty.js'

const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

const calibration = {
  weElectronicZeroMv: 224,
  aeElectronicZeroMv: 226,
  weSensitivityNaPerPpm: -431,
  gainMvPerNa: -0.73,
  defaultTemperatureC: 20,
}

describe('Arduino (StandardFirmata on avr8js) over a pty', () => {
  it('reads NO2 from WE/AE analog inputs and counts PIR pulses', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'edge-uno-'))
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }))
    const pty = await startPtyPair(dir, 'uno')
    cleanups.push(() => pty.kill())
    const uno = await startEmulatedUno(pty.sensorPath)
    cleanups.push(() => uno.stop())
    // ISB outputs as in Alphasense's worked example: WE 260 mV, AE 230 mV (10-bit ADC, 5 V reference).
    uno.setAnalog(0, 0.26)
    uno.setAnalog(1, 0.23)
    uno.setDigital(7, false)

    const driver = new ArduinoDriver(
      {
        driver: 'arduino',
        port: pty.agentPath,
        no2: { we: 'A0', ae: 'A1', vrefMv: 5000, sampleMs: 200, calibration },
        traffic: [{ pin: 7, class: 'car', input: 'pir', activeLow: false }],
      },
      { temperature: () => 20, readyTimeoutMs: 60_000 },
    )
    const samples: Sample[] = []
    const frames: string[] = []
    driver.on('sample', (s) => samples.push(s))
    driver.on('frame', (f) => frames.push(f))
    await driver.start()
    cleanups.push(() => driver.stop())

    await waitFor(() => samples.some((s) => s.kind === 'air'), 60_000, 'first NO2 sample')
    expect(driver.firmware).toBe('StandardFirmata 2.4')
    // The driver's raw ADC counts are what the emulated chip converted (within 1 LSB of V/5*1023)...
    const [, weRaw, aeRaw] = /WE=(\d+) AE=(\d+)/.exec(frames.find((f) => f.startsWith('WE='))!)!.map(Number)
    expect(Math.abs(weRaw! - (0.26 / 5) * 1023)).toBeLessThanOrEqual(1.5)
    expect(Math.abs(aeRaw! - (0.23 / 5) * 1023)).toBeLessThanOrEqual(1.5)
    // ...and the published value is algorithm 1 of those voltages, in ug/m3.
    const expected = no2FromElectrodes((weRaw! * 5000) / 1023, (aeRaw! * 5000) / 1023, 20, calibration).ugm3
    const air = samples.find((s) => s.kind === 'air')!
    expect(air.kind === 'air' && air.values.no2).toBeCloseTo(expected, 6)
    expect(expected).toBeGreaterThan(150) // ~104 ppb of NO2 = ~199 ug/m3, a busy roadside
    expect(expected).toBeLessThan(250)

    // Three cars pass the PIR: three rising edges.
    const t0 = Date.now()
    await settle(uno, frames, 7, false)
    const traffic = () => samples.filter((s) => s.kind === 'traffic').length
    for (let i = 0; i < 3; i++) {
      uno.setDigital(7, true)
      await waitFor(() => traffic() === i + 1, 30_000, `car ${i + 1}`)
      uno.setDigital(7, false)
      await seenIdle(frames, 7)
    }
    const counts = samples.filter((s) => s.kind === 'traffic')
    expect(counts).toHaveLength(3)

    // Aggregated into one traffic reading, it is a valid reading of the shared schema.
    const agg = new Aggregator({
      sensor: 'cam-traffic-1',
      borough: 'E09000007',
      kind: 'traffic',
      grade: 'indicative',
      intervalSeconds: 60,
      classes: ['car'],
      startTime: Math.floor(t0 / 60_000) * 60_000,
    })
    for (const s of counts) agg.add(s)
    const [reading] = agg.close(Math.floor(t0 / 60_000) * 60_000 + 120_000)
    expect(reading!.values).toEqual({ counts: { car: 3 } })
    expect(validateReading({ ...reading, seq: 1 }, Date.now() + 120_000).ok).toBe(true)
  })

  it('a traffic node on the emulated board publishes the counted cars to the broker', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'edge-uno-agent-'))
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }))
    const broker = await startPlainAedes()
    cleanups.push(() => broker.close())
    const tap = tapReadings(broker.broker)
    const pty = await startPtyPair(dir, 'uno')
    cleanups.push(() => pty.kill())
    const uno = await startEmulatedUno(pty.sensorPath)
    cleanups.push(() => uno.stop())
    const config = parseEdgeConfig({
      sensor: { id: 'cam-traffic-uno', borough: 'E09000007', kind: 'traffic' },
      broker: { url: broker.url },
      publishIntervalSeconds: 1,
      dataDir: join(dir, 'data'),
      sensors: [
        {
          driver: 'arduino',
          port: pty.agentPath,
          traffic: [{ pin: 4, class: 'pedal_cycle', input: 'beam', activeLow: true }],
        },
      ],
    })
    const agent = createEdgeAgent(config, { logger: pino({ level: 'silent' }), arduinoReadyTimeoutMs: 60_000 })
    await agent.start()
    cleanups.push(() => agent.stop())
    let seen = 0
    const frames: string[] = []
    agent.drivers[0]!.on('sample', () => seen++)
    agent.drivers[0]!.on('frame', (f) => frames.push(f))
    await waitFor(
      () => agent.drivers[0]!.firmware !== undefined && tap.readings.length > 0,
      60_000,
      'board ready and first reading',
    )
    await settle(uno, frames, 4, true) // break-beam receiver idles high (beam unbroken)
    for (let i = 0; i < 2; i++) {
      uno.setDigital(4, false) // a cyclist breaks the beam
      await waitFor(() => seen === i + 1, 30_000, `cyclist ${i + 1} seen by the board`).catch((e: Error) => {
        throw new Error(`${e.message}; frames ${JSON.stringify(frames)}`)
      })
      uno.setDigital(4, true)
      await seenIdle(frames, 4)
    }
    const cycles = () =>
      tap.readings.reduce((n, r) => n + ((r.values as { counts: { pedal_cycle?: number } }).counts.pedal_cycle ?? 0), 0)
    await waitFor(() => cycles() >= 2, 20_000, 'two cycles at the broker')
    // No third cycle: the interval after the last count is published too (readings are per
    // interval, publishIntervalSeconds 1), and it must hold none.
    const published = tap.readings.length
    await waitFor(() => tap.readings.length >= published + 1, 20_000, 'the next interval at the broker')
    expect(cycles()).toBe(2)
    for (const r of tap.readings) expect(validateReading(r).ok).toBe(true)
    expect(
      tap.readings.every((r) => Object.keys((r.values as { counts: object }).counts).join() === 'pedal_cycle'),
    ).toBe(true)
  })
})
