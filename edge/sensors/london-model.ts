/**
 * A small, deterministic model of a London street for the simulator: traffic follows the DfT
 * weekday shape (morning peak ~08:00, evening peak ~17:30, quiet 03:00), weekends peak later and
 * lower; NO2 and PM follow traffic on top of a background, pushed down by wind and rain; weather is
 * a seeded random walk. Same seed and same times give the same numbers.
 */
import type { TrafficClass } from '../config.js'

/** mulberry32: a tiny seeded PRNG, good enough for plausible noise. */
export function createRandom(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const gauss = (x: number, mu: number, sigma: number) => Math.exp(-((x - mu) ** 2) / (2 * sigma ** 2))

/** Relative traffic flow 0..1 by local hour and weekday (London time ~ UTC for this purpose). */
export function trafficShape(date: Date): number {
  const h = date.getUTCHours() + date.getUTCMinutes() / 60
  const weekend = date.getUTCDay() === 0 || date.getUTCDay() === 6
  if (weekend) return 0.08 + 0.6 * gauss(h, 13.5, 3.5)
  return 0.06 + 0.9 * gauss(h, 8.2, 1.2) + 0.85 * gauss(h, 17.5, 1.6) + 0.45 * gauss(h, 12.5, 3)
}

/** Shares of vehicles per DfT class on an inner-London A road, and pedestrians per vehicle. */
const CLASS_SHARES: [TrafficClass, number][] = [
  ['car', 0.74],
  ['lgv', 0.14],
  ['pedal_cycle', 0.04],
  ['bus_coach', 0.03],
  ['motorcycle', 0.03],
  ['hgv', 0.02],
]

function poisson(lambda: number, rand: () => number): number {
  if (lambda <= 0) return 0
  if (lambda > 30) return Math.max(0, Math.round(lambda + Math.sqrt(lambda) * normal(rand)))
  const l = Math.exp(-lambda)
  let k = 0
  let p = 1
  do {
    k++
    p *= rand()
  } while (p > l)
  return k - 1
}
function normal(rand: () => number): number {
  return Math.sqrt(-2 * Math.log(rand() || 1e-12)) * Math.cos(2 * Math.PI * rand())
}

export interface Weather {
  wind: number // m/s
  rain: boolean
  pressure: number // hPa
}

export class LondonStreet {
  private readonly rand: () => number
  private weather: Weather = { wind: 4, rain: false, pressure: 1013 }
  constructor(
    seed: number,
    private readonly site: 'roadside' | 'background' = 'roadside',
    /** vehicles per hour at the busiest hour */
    private readonly peakFlow = 1400,
  ) {
    this.rand = createRandom(seed)
  }

  private stepWeather(): void {
    const w = this.weather
    w.wind = Math.min(14, Math.max(0.3, w.wind + normal(this.rand) * 0.05))
    w.pressure = Math.min(1040, Math.max(985, w.pressure + normal(this.rand) * 0.02))
    if (this.rand() < 0.0005) w.rain = !w.rain
  }

  /** Vehicle and pedestrian counts for a period of `seconds` ending at `t`. */
  traffic(t: number, seconds: number): Partial<Record<TrafficClass, number>> {
    this.stepWeather()
    const flow = this.peakFlow * trafficShape(new Date(t)) * (this.weather.rain ? 0.9 : 1)
    const perPeriod = (flow * seconds) / 3600
    const counts: Partial<Record<TrafficClass, number>> = {}
    for (const [cls, share] of CLASS_SHARES) counts[cls] = poisson(perPeriod * share, this.rand)
    counts.pedestrian = poisson(perPeriod * (this.weather.rain ? 0.3 : 0.8), this.rand)
    return counts
  }

  /** Instantaneous air values at `t`. */
  air(t: number): {
    pm1: number
    pm2_5: number
    pm10: number
    no2: number
    temperature: number
    relative_humidity: number
    pressure: number
  } {
    this.stepWeather()
    const d = new Date(t)
    const h = d.getUTCHours() + d.getUTCMinutes() / 60
    const dayOfYear = Math.floor((t - Date.UTC(d.getUTCFullYear(), 0, 1)) / 86_400_000)
    const season = Math.cos(((dayOfYear - 200) / 365) * 2 * Math.PI) // 1 in late July
    const temperature = 11 + 7 * season + 4 * Math.cos(((h - 15) / 24) * 2 * Math.PI) + normal(this.rand) * 0.2
    const dilution = 3 / (this.weather.wind + 1)
    const local = (this.site === 'roadside' ? 1 : 0.35) * trafficShape(d)
    const washout = this.weather.rain ? 0.6 : 1
    const no2 = Math.max(0, 18 + 55 * local * dilution + normal(this.rand) * 3)
    const pm2_5 = Math.max(0, (7 + 9 * local * dilution) * washout + normal(this.rand) * 1.2)
    const pm10 = pm2_5 * 1.55 + Math.abs(normal(this.rand)) * 2
    const rh = Math.min(
      100,
      Math.max(20, 75 - 2.2 * (temperature - 11) + (this.weather.rain ? 18 : 0) + normal(this.rand)),
    )
    const round = (x: number, n = 1) => Math.round(x * 10 ** n) / 10 ** n
    return {
      pm1: round(pm2_5 * 0.7),
      pm2_5: round(pm2_5),
      pm10: round(pm10),
      no2: round(no2),
      temperature: round(temperature, 2),
      relative_humidity: round(rh),
      pressure: round(this.weather.pressure, 2),
    }
  }
}
