/** Builds the drivers of a config; the BME280 (or simulator) feeds temperature to gas compensation. */
import type { EdgeConfig, SensorConfig } from '../config.js'
import { ArduinoDriver } from './arduino.js'
import { Bme280Driver, type I2cBus } from './bme280.js'
import type { SensorDriver } from './driver.js'
import { Pms5003Driver } from './pms5003.js'
import { Sds011Driver } from './sds011.js'
import { SimulatedDriver } from './simulated.js'

export interface DriverDeps {
  now?: () => number
  openI2cBus?: (bus: number) => Promise<I2cBus>
  arduinoReadyTimeoutMs?: number
}

export function createDrivers(config: EdgeConfig, deps: DriverDeps = {}): SensorDriver[] {
  const thermometers: { latestTemperature: number | undefined }[] = []
  const temperature = () => thermometers.find((t) => t.latestTemperature !== undefined)?.latestTemperature
  const build = (s: SensorConfig): SensorDriver => {
    switch (s.driver) {
      case 'sds011':
        return new Sds011Driver(s, deps.now)
      case 'pms5003':
        return new Pms5003Driver(s, deps.now)
      case 'bme280': {
        const d = new Bme280Driver(s, deps.openI2cBus, deps.now)
        thermometers.push(d)
        return d
      }
      case 'arduino':
        return new ArduinoDriver(s, { now: deps.now, temperature, readyTimeoutMs: deps.arduinoReadyTimeoutMs })
      case 'simulated': {
        const d = new SimulatedDriver(s, config.sensor.kind, deps.now)
        thermometers.push(d)
        return d
      }
    }
  }
  return config.sensors.map(build)
}
