/**
 * Bosch BME280 (temperature, humidity, pressure) on I2C, in forced mode: one measurement every
 * sampleSeconds. The bus is injected (anything with i2c-bus's promise API); on a Pi the agent
 * loads the native `i2c-bus` addon lazily (openI2cBus), because it is not installed here and is
 * built by node-gyp on the Pi (`npm install i2c-bus` needs python3, make, g++).
 */
import { EventEmitter } from 'node:events'
import { StreetsenseError } from '../../core/index.js'
import type { Bme280Config } from '../config.js'
import { type Bme280Calibration, compensate, parseCalibration, parseRaw } from './bme280-compensation.js'
import type { DriverEvents, SensorDriver } from './driver.js'

export interface I2cBus {
  readI2cBlock(
    address: number,
    command: number,
    length: number,
    buffer: Buffer,
  ): Promise<{ bytesRead: number; buffer: Buffer }>
  writeByte(address: number, command: number, byte: number): Promise<void>
  close?(): Promise<void>
}

export const BME280_CHIP_ID = 0x60

/** Opens /dev/i2c-N through the optional native i2c-bus module (Raspberry Pi only). */
export async function openI2cBus(busNumber: number): Promise<I2cBus> {
  const moduleName = 'i2c-bus' // a variable, so TypeScript and bundlers do not require it here
  let mod: { openPromisified(n: number): Promise<I2cBus> }
  try {
    mod = (await import(moduleName)) as typeof mod
  } catch {
    throw new StreetsenseError(
      'IOT_EDGE_I2C',
      'the i2c-bus module is not installed: on the Pi run `npm install i2c-bus` (needs python3 make g++) and enable I2C in raspi-config',
    )
  }
  return mod.openPromisified(busNumber)
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

export class Bme280Driver extends EventEmitter<DriverEvents> implements SensorDriver {
  readonly name: string
  firmware?: string
  private bus: I2cBus | undefined
  private calibration: Bme280Calibration | undefined
  private timer: NodeJS.Timeout | undefined
  private stopped = true
  latestTemperature: number | undefined

  constructor(
    private readonly config: Bme280Config,
    private readonly openBus: (n: number) => Promise<I2cBus> = openI2cBus,
    private readonly now: () => number = Date.now,
  ) {
    super()
    this.name = config.name ?? `bme280:i2c-${config.bus}@0x${config.address.toString(16)}`
  }

  private async read(length: number, register: number): Promise<Buffer> {
    const buf = Buffer.alloc(length)
    await this.bus!.readI2cBlock(this.config.address, register, length, buf)
    return buf
  }

  private async init(): Promise<void> {
    this.bus ??= await this.openBus(this.config.bus)
    const id = (await this.read(1, 0xd0))[0]
    if (id !== BME280_CHIP_ID) {
      throw new StreetsenseError('IOT_EDGE_I2C', `${this.name}: chip id 0x${id?.toString(16)} is not a BME280 (0x60)`)
    }
    this.calibration = parseCalibration(await this.read(26, 0x88), await this.read(7, 0xe1))
    this.firmware = 'BME280'
  }

  /** One forced-mode measurement: humidity x1, temperature x1, pressure x1. */
  async measure(): Promise<{ temperature: number; relative_humidity: number; pressure: number }> {
    if (!this.calibration) await this.init()
    const addr = this.config.address
    await this.bus!.writeByte(addr, 0xf2, 0x01)
    await this.bus!.writeByte(addr, 0xf4, (1 << 5) | (1 << 2) | 0x01)
    for (let i = 0; i < 20 && ((await this.read(1, 0xf3))[0]! & 0x08) !== 0; i++) await sleep(5)
    const c = compensate(this.calibration!, parseRaw(await this.read(8, 0xf7)))
    this.latestTemperature = c.temperature
    return { temperature: c.temperature, relative_humidity: c.humidity, pressure: c.pressurePa / 100 }
  }

  private async tick(): Promise<void> {
    try {
      const values = await this.measure()
      this.emit('frame', JSON.stringify(values))
      this.emit('sample', { kind: 'air', time: this.now(), values })
    } catch (err) {
      this.calibration = undefined // re-read the chip after a bus error (sensor replugged)
      this.emit(
        'fault',
        err instanceof StreetsenseError
          ? err
          : new StreetsenseError('IOT_EDGE_I2C', `${this.name}: ${(err as Error).message}`),
      )
    }
    if (!this.stopped) this.timer = setTimeout(() => void this.tick(), this.config.sampleSeconds * 1000)
  }

  async start(): Promise<void> {
    this.stopped = false
    void this.tick()
  }

  async stop(): Promise<void> {
    this.stopped = true
    if (this.timer) clearTimeout(this.timer)
    await this.bus?.close?.()
    this.bus = undefined
  }
}
