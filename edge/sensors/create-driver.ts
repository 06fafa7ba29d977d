/**
 * Builds the drivers of a config (those not switched off with `enabled: false`). Each driver module is imported only when the config uses it, so
 * a node without an Arduino never loads johnny-five (~14 MB of RSS on a Pi). The BME280 (or the
 * simulator) feeds temperature to the NO2 compensation of the Arduino driver.
 */
import type { EdgeConfig, SensorConfig } from '../config.js'
import type { I2cBus } from './bme280.js'
import type { SensorDriver } from './driver.js'

export interface DriverDeps {
  now?: () => number
  openI2cBus?: (bus: number) => Promise<I2cBus>
  arduinoReadyTimeoutMs?: number
}

export async function createDrivers(config: EdgeConfig, deps: DriverDeps = {}): Promise<SensorDriver[]> {
  const thermometers: { latestTemperature: number | undefined }[] = []
  const temperature = () => thermometers.find((t) => t.latestTemperature !== undefined)?.latestTemperature
  const build = async (s: SensorConfig): Promise<SensorDriver> => {
    switch (s.driver) {
      case 'sds011':
        return new (await import('./sds011.js')).Sds011Driver(s, deps.now)
      case 'pms5003':
        return new (await import('./pms5003.js')).Pms5003Driver(s, deps.now)
      case 'bme280': {
        const { Bme280Driver, openI2cBus } = await import('./bme280.js')
        const d = new Bme280Driver(s, deps.openI2cBus ?? openI2cBus, deps.now)
        thermometers.push(d)
        return d
      }
      case 'arduino': {
        const { ArduinoDriver } = await import('./arduino.js')
        return new ArduinoDriver(s, { now: deps.now, temperature, readyTimeoutMs: deps.arduinoReadyTimeoutMs })
      }
      case 'simulated': {
        const d = new (await import('./simulated.js')).SimulatedDriver(s, config.sensor.kind, deps.now)
        thermometers.push(d)
        return d
      }
    }
  }
  const drivers: SensorDriver[] = []
  for (const s of config.sensors) if (s.enabled !== false) drivers.push(await build(s))
  return drivers
}
