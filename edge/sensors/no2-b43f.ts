/**
 * Alphasense NO2-B43F on an Individual Sensor Board (ISB): working (WE) and auxiliary (AE)
 * electrode voltages -> NO2. Algorithm 1 of application note AAN 803, the one Alphasense
 * recommends for NO2-B43F:  WEc = (WEu - WEe) - nT * (AEu - AEe),  ppb = WEc / S,
 * S [mV/ppb] = WE sensitivity [nA/ppm] * ISB gain [mV/nA] / 1000. nT depends on temperature
 * (table below, linear between the 10 C steps, held flat outside -30..50 C).
 */
import type { No2Calibration } from '../config.js'

const NT_TEMPS = [-30, -20, -10, 0, 10, 20, 30, 40, 50]
const NT_NO2_B43F = [1.3, 1.3, 1.3, 1.3, 1.0, 0.6, 0.4, 0.2, -1.5]

/** ug/m3 per ppb of NO2 at 20 C and 1013 hPa (molar mass 46.0055 / molar volume 24.055 L). */
export const NO2_UGM3_PER_PPB = 1.9125

export function no2TemperatureFactor(temperatureC: number): number {
  if (temperatureC <= NT_TEMPS[0]!) return NT_NO2_B43F[0]!
  for (let i = 1; i < NT_TEMPS.length; i++) {
    const t1 = NT_TEMPS[i]!
    if (temperatureC <= t1) {
      const t0 = NT_TEMPS[i - 1]!
      const f = (temperatureC - t0) / (t1 - t0)
      return NT_NO2_B43F[i - 1]! + f * (NT_NO2_B43F[i]! - NT_NO2_B43F[i - 1]!)
    }
  }
  return NT_NO2_B43F[NT_NO2_B43F.length - 1]!
}

export interface No2Result {
  correctedMv: number
  ppb: number
  ugm3: number
}

export function no2FromElectrodes(weMv: number, aeMv: number, temperatureC: number, cal: No2Calibration): No2Result {
  const nT = no2TemperatureFactor(temperatureC)
  const correctedMv = weMv - cal.weElectronicZeroMv - nT * (aeMv - cal.aeElectronicZeroMv)
  const sensitivityMvPerPpb = (cal.weSensitivityNaPerPpm * cal.gainMvPerNa) / 1000
  const ppb = correctedMv / sensitivityMvPerPpb
  return { correctedMv, ppb, ugm3: ppb * NO2_UGM3_PER_PPB }
}
