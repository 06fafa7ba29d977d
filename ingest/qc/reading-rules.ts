/**
 * The QC rules that need nothing but the reading and the time it arrived (catalogue.ts): range
 * (the plausibility bounds), negative electrochemical values, humidity for optical PM, a clock
 * running fast, and the device's own verdict. Pure; runs on a check thread for every reading, so
 * the common case (nothing found) allocates nothing but two empty arrays.
 */
import type { Reading } from '../../schemas/index.js'
import { plausibilityFlags } from '../../schemas/index.js'
import { GAS_FIELDS, OPTICAL_FIELDS, QC_THRESHOLDS } from './catalogue.js'

/** What QC found: every flag (the device's own too), and the values it failed (`*`: all of them). */
export interface QcVerdict {
  flags: string[]
  fail: string[]
}

/** Every value of a reading, in `fail` and `qc_fail`. */
export const ALL_VALUES = '*'

/** The values each cross-field plausibility flag fails; `<field>_high`/`_low` fail their field. */
const PAIR_FLAGS: Record<string, readonly string[]> = {
  pm2_5_above_pm10: ['pm2_5', 'pm10'],
  pm1_above_pm2_5: ['pm1', 'pm2_5'],
  v85_below_mean_speed: ['v85', 'mean_speed'],
}

function failedBy(flag: string): readonly string[] {
  const pair = PAIR_FLAGS[flag]
  if (pair) return pair
  return [flag.replace(/_(high|low)$/, '')]
}

export function readingQc(reading: Reading, receivedAt: number, timeMs = Date.parse(reading.time)): QcVerdict {
  const own = reading.quality?.flags
  const flags: string[] = own ? [...own] : []
  const fail: string[] = []
  for (const flag of plausibilityFlags(reading)) {
    flags.push(flag)
    fail.push(...failedBy(flag))
  }
  if (reading.kind === 'air') airRules(reading, flags, fail)
  if (reading.quality?.status === 'suspect') {
    flags.push('device_suspect')
    fail.push(ALL_VALUES)
  }
  if (timeMs + reading.interval * 1000 - receivedAt > QC_THRESHOLDS.clockAheadMs) {
    flags.push('clock_ahead')
    fail.push(ALL_VALUES)
  }
  return flags.length === 0 ? { flags, fail } : { flags: unique(flags), fail: unique(fail) }
}

function airRules(reading: Reading, flags: string[], fail: string[]): void {
  const values = reading.values as Record<string, number | undefined>
  for (const field of GAS_FIELDS) {
    const v = values[field]
    if (v === undefined || v >= 0) continue
    if (v < QC_THRESHOLDS.negativeFail) {
      flags.push(`${field}_negative_strong`)
      fail.push(field)
    } else flags.push(`${field}_negative`)
  }
  const rh = values.relative_humidity
  // Reference PM instruments dry their sample; only optical low-cost sensors see the droplets.
  if (rh === undefined || rh <= QC_THRESHOLDS.humidNote || reading.quality?.grade === 'reference') return
  const fog = rh >= QC_THRESHOLDS.fogFail
  for (const field of OPTICAL_FIELDS) {
    if (values[field] === undefined) continue
    flags.push(`${field}_${fog ? 'fog' : 'humid'}`)
    if (fog) fail.push(field)
  }
}

const unique = (items: string[]): string[] => (items.length < 2 ? items : [...new Set(items)])

/** Whether `field` is among the failed values (`*` fails every value). */
export function fails(fail: readonly string[] | string, field: string): boolean {
  const list = typeof fail === 'string' ? fail.split(',') : fail
  return list.includes(field) || list.includes(ALL_VALUES)
}
