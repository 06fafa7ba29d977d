/**
 * A simulated sensor (demo, load tests, `edge simulate`): emits London-like air values or traffic
 * counts every sampleMs from a seeded model, so two runs with the same seed and clock agree.
 */
import { EventEmitter } from 'node:events'
import type { SimulatedConfig } from '../config.js'
import type { DriverEvents, SensorDriver } from './driver.js'
import { LondonStreet } from './london-model.js'

export class SimulatedDriver extends EventEmitter<DriverEvents> implements SensorDriver {
  readonly name: string
  readonly firmware = 'simulated'
  private readonly street: LondonStreet
  private timer: NodeJS.Timeout | undefined
  latestTemperature: number | undefined

  constructor(
    private readonly config: SimulatedConfig,
    private readonly kind: 'air' | 'traffic',
    private readonly now: () => number = Date.now,
  ) {
    super()
    this.name = config.name ?? `simulated:${kind}:${config.seed}`
    this.street = new LondonStreet(config.seed, config.site)
  }

  /** One sample at time t (also used directly by tests and benchmarks). */
  sampleAt(t: number): void {
    if (this.kind === 'air') {
      const values = this.street.air(t)
      this.latestTemperature = values.temperature
      this.emit('sample', { kind: 'air', time: t, values })
    } else {
      this.emit('sample', { kind: 'traffic', time: t, counts: this.street.traffic(t, this.config.sampleMs / 1000) })
    }
  }

  async start(): Promise<void> {
    this.timer = setInterval(() => this.sampleAt(this.now()), this.config.sampleMs)
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer)
    this.timer = undefined
  }
}
