/**
 * Plantower PMS5003 on a UART (9600 8N1): wake and active mode at start (re-sent after every
 * reopen), one air sample (atmospheric PM1/PM2.5/PM10) per valid frame, sleep on stop.
 */
import { EventEmitter } from 'node:events'
import { StreetsenseError } from '../../core/index.js'
import type { Pms5003Config } from '../config.js'
import type { DriverEvents, SensorDriver } from './driver.js'
import { PMS5003, Pms5003Parser } from './pms5003-frame.js'
import { SerialLink } from './serial-link.js'

export class Pms5003Driver extends EventEmitter<DriverEvents> implements SensorDriver {
  readonly name: string
  firmware?: string
  private readonly parser = new Pms5003Parser()
  private readonly link: SerialLink

  constructor(
    private readonly config: Pms5003Config,
    private readonly now: () => number = Date.now,
  ) {
    super()
    this.name = config.name ?? `pms5003:${config.port}`
    this.link = new SerialLink({
      path: config.port,
      baudRate: 9600,
      onData: (chunk) => this.onData(chunk),
      onOpen: () => {
        this.link.write(PMS5003.wake())
        this.link.write(PMS5003.activeMode())
      },
      onFault: (err) => this.emit('fault', err),
    })
  }

  private onData(chunk: Buffer): void {
    for (const ev of this.parser.push(chunk)) {
      if (!ev.ok) {
        const code = ev.reason === 'checksum' ? 'IOT_EDGE_FRAME_CHECKSUM' : 'IOT_EDGE_FRAME_GARBAGE'
        this.emit('fault', new StreetsenseError(code, `${this.name}: ${ev.reason} (${ev.raw.toString('hex')})`))
        continue
      }
      this.emit('frame', ev.raw.toString('hex'))
      if (ev.frame.type !== 'data') continue
      const d = ev.frame.data
      this.firmware = `PMS5003 v0x${d.version.toString(16)}`
      if (d.errorCode !== 0) {
        this.emit(
          'fault',
          new StreetsenseError('IOT_EDGE_SENSOR_FAULT', `${this.name}: sensor error code ${d.errorCode}`),
        )
      }
      this.emit('sample', { kind: 'air', time: this.now(), values: { pm1: d.pm1, pm2_5: d.pm2_5, pm10: d.pm10 } })
    }
  }

  async start(): Promise<void> {
    this.link.start()
  }

  async stop(): Promise<void> {
    await this.link.stop(this.config.sleepOnStop ? PMS5003.sleep() : undefined)
  }
}
