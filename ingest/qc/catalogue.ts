/**
 * Every flag the automated QC can give a reading, with its rule, what it does to the values, its
 * threshold and where the threshold comes from. docs/data-quality.md shows this table (written by
 * flag-table.ts; test/ingest/qc-docs.test.ts holds the two together). Raw values are never
 * changed: a `fail` flag leaves a value out of every aggregate, a `note` flag only explains it.
 *
 * QC_VERSION is stored with every checked reading (field `qc`). Change it whenever a rule or a
 * threshold here changes, so that stored results say which rules produced them.
 */

import { VALUE_FIELDS } from '../../schemas/index.js'

export const QC_VERSION = 1

export type Severity = 'fail' | 'note'

/** Values each rule looks at (field names of the reading schema). */
export const PM_FIELDS = ['pm1', 'pm2_5', 'pm4', 'pm10'] as const
/** Particle numbers come from the same optical sensors, so humidity inflates them too. */
export const OPTICAL_FIELDS: readonly string[] = [...PM_FIELDS, 'pnc0_5', 'pnc1', 'pnc2_5', 'pnc4', 'pnc10']
export const GAS_FIELDS = ['no2', 'o3', 'so2'] as const
/**
 * Spikes are looked for in the pollutant masses only: weather values change smoothly, and particle
 * numbers have no floor of known noise to judge them by.
 */
export const SPIKE_FIELDS: readonly string[] = [...PM_FIELDS, ...GAS_FIELDS]
/** Every air value of the schema, in its order: the order of the values a check hands to the series rules. */
export const AIR_QC_FIELDS: readonly string[] = VALUE_FIELDS.air

export const QC_THRESHOLDS = {
  /** A reading whose interval ends this far after it was received is from a clock running fast. */
  clockAheadMs: 120_000,
  /** Electrochemical gas values below this (ug/m3) are failed; 0 down to it are kept with a note. */
  negativeFail: -100,
  /** Relative humidity (%) above which optical PM reads high (note) ... */
  humidNote: 85,
  /** ... and at or above which it is failed (fog: droplets are counted as particles). */
  fogFail: 95,
  spike: {
    /** The window: up to this many preceding readings, within this many of the reading's intervals. */
    window: 15,
    /** Fewer readings than this in the window: no judgement. */
    minWindow: 5,
    /** Deviations from the window's median above k scaled MADs ... */
    k: 3,
    /** ... and above this floor (ug/m3), so a quiet, quantised series does not flag noise. */
    floor: { pm1: 10, pm2_5: 10, pm4: 10, pm10: 10, no2: 20, o3: 20, so2: 20 } as Record<string, number>,
  },
  flatline: {
    /** A run of identical values covering at least this long ... */
    minMs: 3_600_000,
    /** ... and at least this many readings is a stuck sensor. */
    minReadings: 3,
    /** A gap longer than this (or two intervals) between two values ends a run. */
    maxGapMs: 600_000,
    /** Relative humidity at or above this is saturation (fog), not a stuck sensor. */
    rhSaturated: 99,
  },
} as const

export interface FlagSpec {
  /** The flag, `<field>_...` for a flag per value. */
  flag: string
  rule: string
  severity: Severity
  /** Which values the flag is about. */
  values: string
  threshold: string
  source: string
}

const CLOCK = 'every value of the reading'
const OPTICAL = 'PM (`pm1`, `pm2_5`, `pm4`, `pm10`) and particle numbers (`pnc*`) of non-reference sensors'

export const FLAG_CATALOGUE: readonly FlagSpec[] = [
  {
    flag: '<field>_high, <field>_low',
    rule: 'range',
    severity: 'fail',
    values: 'that value',
    threshold:
      'beyond the plausibility bounds of `schemas/plausibility.ts` (PM2.5 > 500, PM10 > 600, PM1 > 300, NO2 > 1000 ug/m3, ...; docs/schema.md)',
    source:
      'PMS5003 effective range 0-500 ug/m3 (Plantower manual V2.3); SDS011 0-999.9 ug/m3 (Nova Fitness spec V1.3); out-of-specification values are invalid (AirSensor pat_qc)',
  },
  {
    flag: 'pm2_5_above_pm10, pm1_above_pm2_5',
    rule: 'range',
    severity: 'fail',
    values: 'both values',
    threshold: 'the finer fraction more than 5% above the coarser one',
    source: 'PM1 and PM2.5 are part of PM10: a larger value means a faulty or wet sensor',
  },
  {
    flag: 'v85_below_mean_speed',
    rule: 'range',
    severity: 'fail',
    values: '`v85` and `mean_speed`',
    threshold: 'the 85th percentile speed below the mean',
    source: 'impossible for one set of vehicles',
  },
  {
    flag: '<field>_negative',
    rule: 'negative electrochemical value',
    severity: 'note',
    values: '`no2`, `o3`, `so2`',
    threshold: `below 0 and not below ${QC_THRESHOLDS.negativeFail} ug/m3: kept, and kept in means`,
    source:
      'electrochemical cells read below zero in clean air; clipping biases means upwards (OpenAQ flags `N` without deleting; EPA reference data hold -3 ppb)',
  },
  {
    flag: '<field>_negative_strong',
    rule: 'negative electrochemical value',
    severity: 'fail',
    values: '`no2`, `o3`, `so2`',
    threshold: `below ${QC_THRESHOLDS.negativeFail} ug/m3 (about -53 ppb NO2)`,
    source: 'the lowest 1-minute NO2 in EPA example sensor data was -53 ppb (LIFE VAQUUMS data readme)',
  },
  {
    flag: '<field>_humid',
    rule: 'humidity (optical PM)',
    severity: 'note',
    values: OPTICAL,
    threshold: `relative humidity of the same reading above ${QC_THRESHOLDS.humidNote}% (and below ${QC_THRESHOLDS.fogFail}%)`,
    source:
      'SDS011 rated to 70 %RH (Sensor.Community wiki); OPC-N2 artefact above 85 %RH (Crilley et al. 2018, AMT 11, 709)',
  },
  {
    flag: '<field>_fog',
    rule: 'humidity (optical PM)',
    severity: 'fail',
    values: OPTICAL,
    threshold: `relative humidity of the same reading at or above ${QC_THRESHOLDS.fogFail}%`,
    source:
      'hygroscopic growth diverges towards 100 %RH; open implementations of the Crilley kappa-Koehler correction cap RH at 95%',
  },
  {
    flag: '<field>_spike',
    rule: 'spike (Hampel)',
    severity: 'fail',
    values: '`pm1`, `pm2_5`, `pm4`, `pm10`, `no2`, `o3`, `so2`',
    threshold: `more than ${QC_THRESHOLDS.spike.k} x 1.4826 x MAD (and more than 10 ug/m3 for PM, 20 for gases) from the median of up to ${QC_THRESHOLDS.spike.window} preceding readings within ${QC_THRESHOLDS.spike.window} intervals (at least ${QC_THRESHOLDS.spike.minWindow}), with the next reading back within that distance`,
    source:
      'Hampel identifier / MAD test (USGS sensorQC); SDS011 absolute accuracy +-10 ug/m3 (spec V1.3) as the floor; a level that stays is not a spike',
  },
  {
    flag: '<field>_flatline',
    rule: 'flatline (stuck)',
    severity: 'fail',
    values: 'every air value (relative humidity only below 99%)',
    threshold:
      'identical values covering at least 60 minutes and at least 3 readings, with no gap over 10 minutes or 2 intervals; the whole run is flagged',
    source:
      'EPA sensortoolkit: 3 or more consecutive identical hourly values; OpenAQ flags repeated runs `R`; 60 identical 1-minute values',
  },
  {
    flag: 'clock_ahead',
    rule: 'clock',
    severity: 'fail',
    values: CLOCK,
    threshold: `the interval ends more than ${QC_THRESHOLDS.clockAheadMs / 1000} s after the ingest received it`,
    source: 'a reading cannot describe the future: the node clock runs fast (offset > 120 s)',
  },
  {
    flag: 'clock_backwards',
    rule: 'clock',
    severity: 'fail',
    values: CLOCK,
    threshold: 'not later than the previous reading of the same series although its seq is higher',
    source: 'non-monotonic and duplicate timestamps (EPA sensortoolkit duplicate removal)',
  },
  {
    flag: 'clock_unsynced',
    rule: 'clock (from the device)',
    severity: 'note',
    values: CLOCK,
    threshold: 'the node says its clock is not NTP-synchronised',
    source: 'edge agent (docs/edge.md)',
  },
  {
    flag: 'device_suspect',
    rule: 'device',
    severity: 'fail',
    values: CLOCK,
    threshold: 'the device sent `quality.status: "suspect"`',
    source: 'the device knows its reading is bad',
  },
]
