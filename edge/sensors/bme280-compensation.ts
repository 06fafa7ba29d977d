/**
 * BME280 calibration parsing and compensation, the floating-point formulas of the Bosch BME280
 * datasheet (section 8.1, "compensation formulas in double precision"). Temperature and pressure
 * are the same as the BMP280's, so the BMP280 datasheet's worked example is a test vector.
 */
export interface Bme280Calibration {
  T1: number
  T2: number
  T3: number
  P1: number
  P2: number
  P3: number
  P4: number
  P5: number
  P6: number
  P7: number
  P8: number
  P9: number
  H1: number
  H2: number
  H3: number
  H4: number
  H5: number
  H6: number
}

/** block1 = 26 bytes from 0x88, block2 = 7 bytes from 0xE1. */
export function parseCalibration(block1: Buffer, block2: Buffer): Bme280Calibration {
  const e4 = block2.readInt8(3)
  const e5 = block2[4]!
  const e6 = block2.readInt8(5)
  return {
    T1: block1.readUInt16LE(0),
    T2: block1.readInt16LE(2),
    T3: block1.readInt16LE(4),
    P1: block1.readUInt16LE(6),
    P2: block1.readInt16LE(8),
    P3: block1.readInt16LE(10),
    P4: block1.readInt16LE(12),
    P5: block1.readInt16LE(14),
    P6: block1.readInt16LE(16),
    P7: block1.readInt16LE(18),
    P8: block1.readInt16LE(20),
    P9: block1.readInt16LE(22),
    H1: block1[25]!,
    H2: block2.readInt16LE(0),
    H3: block2[2]!,
    H4: (e4 << 4) | (e5 & 0x0f),
    H5: (e6 << 4) | (e5 >> 4),
    H6: block2.readInt8(6),
  }
}

export interface RawMeasurement {
  adcT: number
  adcP: number
  adcH: number
}

/** data = 8 bytes from 0xF7: press[3], temp[3], hum[2]. */
export function parseRaw(data: Buffer): RawMeasurement {
  return {
    adcP: (data[0]! << 12) | (data[1]! << 4) | (data[2]! >> 4),
    adcT: (data[3]! << 12) | (data[4]! << 4) | (data[5]! >> 4),
    adcH: (data[6]! << 8) | data[7]!,
  }
}

export interface Compensated {
  temperature: number // C
  pressurePa: number
  humidity: number // %RH
  tFine: number
}

export function compensate(c: Bme280Calibration, raw: RawMeasurement): Compensated {
  let v1 = (raw.adcT / 16384 - c.T1 / 1024) * c.T2
  let v2 = (raw.adcT / 131072 - c.T1 / 8192) * (raw.adcT / 131072 - c.T1 / 8192) * c.T3
  const tFine = v1 + v2
  const temperature = tFine / 5120

  v1 = tFine / 2 - 64000
  v2 = (v1 * v1 * c.P6) / 32768
  v2 = v2 + v1 * c.P5 * 2
  v2 = v2 / 4 + c.P4 * 65536
  v1 = ((c.P3 * v1 * v1) / 524288 + c.P2 * v1) / 524288
  v1 = (1 + v1 / 32768) * c.P1
  let pressurePa = 0
  if (v1 !== 0) {
    let p = 1048576 - raw.adcP
    p = ((p - v2 / 4096) * 6250) / v1
    const w1 = (c.P9 * p * p) / 2147483648
    const w2 = (p * c.P8) / 32768
    pressurePa = p + (w1 + w2 + c.P7) / 16
  }

  let h = tFine - 76800
  h =
    (raw.adcH - (c.H4 * 64 + (c.H5 / 16384) * h)) *
    ((c.H2 / 65536) * (1 + (c.H6 / 67108864) * h * (1 + (c.H3 / 67108864) * h)))
  h = h * (1 - (c.H1 * h) / 524288)
  const humidity = Math.min(100, Math.max(0, h))
  return { temperature, pressurePa, humidity, tFine }
}
