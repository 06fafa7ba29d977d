/**
 * Nova SDS011 PM2.5/PM10 sensor on a UART (9600 8N1). At start: set the working period
 * (0 = continuous, n = one sample every n minutes to spare the laser, rated 8000 h) and active
 * reporting, wake it. Emits one air sample per valid data frame; bad frames become faults.
 */
import { EventEmitter } from 'node:events'
import { StreetsenseError } from '../../core/index.js'
import type { Sds011Config } from '../config.js'
import type { DriverEvents, SensorDriver } from './driver.js'
import { SDS011, Sds011Parser } from './sds011-frame.js'
import { SerialLink } from './serial-link.js'

export class Sds011Driver extends EventEmitter<DriverEvents> implements SensorDriver {
  readonly name: string
  firmware?: string
  private readonly parser = new Sds011Parser()
  private readonly link: SerialLink

  constructor(
    private readonly config: Sds011Config,
    private readonly now: () => number = Date.now,
  ) {
    super()
    this.name = config.name ?? `sds011:${config.port}`
    this.link = new SerialLink({
      path: config.port,
      baudRate: 9600,
      onData: (chunk) => this.onData(chunk),
      onOpen: () => this.configure(),
      onFault: (err) => this.emit('fault', err),
    })
  }

  private configure(): void {
    this.link.write(SDS011.work())
    this.link.write(SDS011.workingPeriod(this.config.workingPeriodMinutes))
    this.link.write(SDS011.setActiveMode())
    this.link.write(SDS011.firmware())
  }

  private onData(chunk: Buffer): void {
    for (const ev of this.parser.push(chunk)) {
      if (!ev.ok) {
        const code = ev.reason === 'checksum' ? 'IOT_EDGE_FRAME_CHECKSUM' : 'IOT_EDGE_FRAME_GARBAGE'
        this.emit('fault', new StreetsenseError(code, `${this.name}: ${ev.reason} (${ev.raw.toString('hex')})`))
        continue
      }
      this.emit('frame', ev.raw.toString('hex'))
      const f = ev.frame
      if (f.type === 'data') {
        this.emit('sample', { kind: 'air', time: this.now(), values: { pm2_5: f.pm2_5, pm10: f.pm10 } })
      } else if (f.command === 0x07) {
        this.firmware = `SDS011 20${String(f.data[0]).padStart(2, '0')}-${f.data[1]}-${f.data[2]}`
      }
    }
  }

  async start(): Promise<void> {
    this.link.start()
  }

  async stop(): Promise<void> {
    await this.link.stop(this.config.sleepOnStop ? SDS011.sleep() : undefined)
  }
}
