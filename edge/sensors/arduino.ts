/**
 * An Arduino running StandardFirmata, driven by johnny-five over firmata-io and serialport 13
 * (never johnny-five's bundled serialport 8). It reads an Alphasense NO2-B43F ISB on two analog
 * pins (WE, AE) and counts traffic from digital inputs (pulse counters, PIR, break-beam): every
 * inactive->active edge is one vehicle (or pedestrian) of the configured class. After an unplug
 * the board is rebuilt from scratch and reconnected.
 */
import { EventEmitter } from 'node:events'
import { existsSync } from 'node:fs'
import firmataIo, { type Firmata } from 'firmata-io'
import five from 'johnny-five'
import { SerialPort } from 'serialport'
import { StreetsenseError } from '../../core/index.js'
import type { ArduinoConfig, PinName, TrafficInputConfig } from '../config.js'
import type { DriverEvents, SensorDriver, TemperatureSource } from './driver.js'
import { no2FromElectrodes } from './no2-b43f.js'

export function analogChannel(pin: PinName): number {
  if (typeof pin === 'number') return pin
  const m = /^A(\d+)$/i.exec(pin)
  if (!m) throw new StreetsenseError('IOT_EDGE_CONFIG_INVALID', `not an analog pin: ${pin}`)
  return Number(m[1])
}
export function digitalPin(pin: PinName): number {
  const n = typeof pin === 'number' ? pin : Number(pin.replace(/^D/i, ''))
  if (!Number.isInteger(n)) throw new StreetsenseError('IOT_EDGE_CONFIG_INVALID', `not a digital pin: ${pin}`)
  return n
}

export interface ArduinoDeps {
  now?: () => number
  temperature?: TemperatureSource
  /** ms to wait for the Firmata handshake (an emulated board is slower than a real one). */
  readyTimeoutMs?: number
}

export class ArduinoDriver extends EventEmitter<DriverEvents> implements SensorDriver {
  readonly name: string
  firmware?: string
  private port: SerialPort | undefined
  private io: Firmata | undefined
  private sensors: { disable(): void }[] = []
  private timers: NodeJS.Timeout[] = []
  private stopped = true
  private retryTimer: NodeJS.Timeout | undefined
  private readonly now: () => number

  constructor(
    private readonly config: ArduinoConfig,
    private readonly deps: ArduinoDeps = {},
  ) {
    super()
    this.name = config.name ?? `arduino:${config.port}`
    this.now = deps.now ?? Date.now
  }

  async start(): Promise<void> {
    this.stopped = false
    this.connect()
    // The port's `close` event did not always arrive when the device vanished (seen in tests on a
    // pty), so also watch the device node itself: a USB unplug removes /dev/ttyACMn.
    this.presenceTimer = setInterval(() => {
      const port = this.port
      if (port?.isOpen && !existsSync(this.config.port)) {
        this.fault(`${this.config.port} disappeared; reconnecting`)
        this.port = undefined
        this.teardown()
        port.close(() => undefined)
        this.retry()
      }
    }, 2000)
  }
  private presenceTimer: NodeJS.Timeout | undefined

  private fault(message: string): void {
    this.emit('fault', new StreetsenseError('IOT_EDGE_BOARD', `${this.name}: ${message}`))
  }

  private connect(): void {
    if (this.stopped) return
    const port = new SerialPort({ path: this.config.port, baudRate: 57600, autoOpen: false })
    this.port = port
    port.on('close', () => {
      if (this.stopped || this.port !== port) return
      this.fault('serial link lost; reconnecting')
      this.teardown()
      this.retry()
    })
    port.on('error', (err) => this.fault(err.message))
    // Firmata and the board listen for the port's `open` event, so they exist before it opens.
    const io = new firmataIo.Firmata(port)
    this.io = io
    // sigint: false, or johnny-five installs a SIGINT handler that force-exits the process after 1 s,
    // cutting short the agent's own orderly stop.
    const board = new five.Board({
      io,
      repl: false,
      debug: false,
      sigint: false,
      timeout: this.deps.readyTimeoutMs ?? 30_000,
    })
    board.on('error', (e: Error) => this.fault(`board: ${e.message}`))
    board.on('ready', () => this.onReady(io, board))
    port.open((err) => {
      if (err) {
        this.emit(
          'fault',
          new StreetsenseError('IOT_EDGE_SERIAL_OPEN', `cannot open ${this.config.port}: ${err.message}`),
        )
        this.teardown()
        this.retry()
      }
    })
  }

  private retry(): void {
    if (this.stopped || this.retryTimer) return
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined
      this.connect()
    }, 1000)
  }

  private onReady(io: Firmata, board: InstanceType<typeof five.Board>): void {
    const fw = io.firmware
    this.firmware = fw ? `${fw.name.replace(/\.ino$/, '')} ${fw.version.major}.${fw.version.minor}` : 'Firmata'
    this.emit('frame', `ready: ${this.firmware}`)
    if (this.config.no2) this.startNo2(io, board, this.config.no2)
    for (const input of this.config.traffic ?? []) this.startCounter(io, input)
  }

  private startNo2(io: Firmata, board: InstanceType<typeof five.Board>, no2: NonNullable<ArduinoConfig['no2']>): void {
    const we = new five.Sensor({ pin: `A${analogChannel(no2.we)}`, freq: no2.sampleMs, board })
    const ae = new five.Sensor({ pin: `A${analogChannel(no2.ae)}`, freq: no2.sampleMs, board })
    this.sensors.push(we, ae)
    const toMv = (raw: number) => (raw * no2.vrefMv) / 1023
    const timer = setInterval(() => {
      // johnny-five reports raw = null until the first analog message arrives.
      if (we.raw == null || ae.raw == null || !io.isReady) return
      const t = this.deps.temperature?.() ?? no2.calibration.defaultTemperatureC
      const r = no2FromElectrodes(toMv(we.raw), toMv(ae.raw), t, no2.calibration)
      this.emit('frame', `WE=${we.raw} AE=${ae.raw} T=${t} -> ${r.ppb.toFixed(1)} ppb`)
      // Electrochemical cells read slightly below zero in clean air. The value is sent as it is:
      // clipping at 0 would bias every mean upwards (the platform keeps negatives, flagged).
      this.emit('sample', { kind: 'air', time: this.now(), values: { no2: r.ugm3 } })
    }, no2.sampleMs)
    this.timers.push(timer)
  }

  private startCounter(io: Firmata, input: TrafficInputConfig): void {
    const pin = digitalPin(input.pin)
    // Break-beam receivers and open-collector counters idle high with the pull-up on. Writing HIGH
    // to an input pin turns the AVR's pull-up on; it works on StandardFirmata 2.4, which predates
    // the PULLUP pin mode.
    io.pinMode(pin, io.MODES.INPUT!)
    if (input.activeLow) io.digitalWrite(pin, 1)
    let last: boolean | undefined
    io.digitalRead(pin, (value) => {
      const active = input.activeLow ? value === 0 : value === 1
      if (active === last) return
      const state = active ? 'active' : 'idle'
      if (last === undefined) {
        // The first report is the input's state when reporting starts: not an edge, not a count.
        this.emit('frame', `D${pin} ${input.input} ${state} at start`)
      } else if (active) {
        this.emit('frame', `D${pin} ${input.input} active -> ${input.class}`)
        this.emit('sample', { kind: 'traffic', time: this.now(), counts: { [input.class]: 1 } })
      } else {
        this.emit('frame', `D${pin} ${input.input} idle`)
      }
      last = active
    })
  }

  private teardown(): void {
    for (const t of this.timers) clearInterval(t)
    this.timers = []
    for (const s of this.sensors) s.disable()
    this.sensors = []
    this.io?.removeAllListeners()
    this.io = undefined
    this.port = undefined
  }

  async stop(): Promise<void> {
    this.stopped = true
    if (this.retryTimer) clearTimeout(this.retryTimer)
    if (this.presenceTimer) clearInterval(this.presenceTimer)
    const port = this.port
    this.teardown()
    if (port?.isOpen) await new Promise<void>((resolve) => port.close(() => resolve()))
  }
}
