import { describe, expect, it } from 'vitest'
import { Bme280Driver, type I2cBus } from '../../../edge/sensors/bme280.js'
import { compensate, parseCalibration } from '../../../edge/sensors/bme280-compensation.js'
import { NO2_UGM3_PER_PPB, no2FromElectrodes, no2TemperatureFactor } from '../../../edge/sensors/no2-b43f.js'

describe('NO2-B43F, Alphasense algorithm 1', () => {
  const cal = {
    weElectronicZeroMv: 224,
    aeElectronicZeroMv: 226,
    weSensitivityNaPerPpm: -431,
    gainMvPerNa: -0.73,
    defaultTemperatureC: 20,
  }

  it('reproduces the worked example (WEu 260, AEu 230, 20 C -> 33.6 mV, ~107 ppb)', () => {
    const r = no2FromElectrodes(260, 230, 20, cal)
    expect(r.correctedMv).toBeCloseTo(33.6, 6)
    expect(r.ppb).toBeCloseTo(33.6 / ((431 * 0.73) / 1000), 6)
    expect(Math.round(r.ppb)).toBe(107)
    expect(r.ugm3).toBeCloseTo(r.ppb * 1.9125, 6)
    expect(NO2_UGM3_PER_PPB).toBe(1.9125)
  })

  it('interpolates nT between table points and holds it outside -30..50 C', () => {
    expect(no2TemperatureFactor(20)).toBeCloseTo(0.6)
    expect(no2TemperatureFactor(25)).toBeCloseTo(0.5)
    expect(no2TemperatureFactor(45)).toBeCloseTo(-0.65)
    expect(no2TemperatureFactor(-40)).toBeCloseTo(1.3)
    expect(no2TemperatureFactor(60)).toBeCloseTo(-1.5)
  })
})

// The BMP280 datasheet's worked example (temperature and pressure formulas are shared with the BME280).
const DATASHEET = {
  T1: 27504,
  T2: 26435,
  T3: -1000,
  P1: 36477,
  P2: -10685,
  P3: 3024,
  P4: 2855,
  P5: 140,
  P6: -7,
  P7: 15500,
  P8: -14600,
  P9: 6000,
}
const ADC_T = 519888
const ADC_P = 415148

function fakeBme280(adcH: number): { bus: I2cBus; writes: number[][] } {
  const regs = new Uint8Array(256)
  regs[0xd0] = 0x60
  const b1 = Buffer.alloc(26)
  const order = ['T1', 'T2', 'T3', 'P1', 'P2', 'P3', 'P4', 'P5', 'P6', 'P7', 'P8', 'P9'] as const
  order.forEach((k, i) => {
    if (k === 'T1' || k === 'P1') b1.writeUInt16LE(DATASHEET[k], i * 2)
    else b1.writeInt16LE(DATASHEET[k], i * 2)
  })
  b1[25] = 75 // H1
  regs.set(b1, 0x88)
  const b2 = Buffer.alloc(7)
  b2.writeInt16LE(362, 0) // H2
  b2[2] = 0 // H3
  // H4 = 313 (0xE4<<4 | 0xE5 low nibble), H5 = 50 (0xE6<<4 | 0xE5 high nibble)
  b2[3] = 313 >> 4
  b2[4] = (313 & 0x0f) | ((50 & 0x0f) << 4)
  b2[5] = 50 >> 4
  b2[6] = 30 // H6
  regs.set(b2, 0xe1)
  const data = [
    ADC_P >> 12,
    (ADC_P >> 4) & 0xff,
    (ADC_P & 0x0f) << 4,
    ADC_T >> 12,
    (ADC_T >> 4) & 0xff,
    (ADC_T & 0x0f) << 4,
    adcH >> 8,
    adcH & 0xff,
  ]
  regs.set(data, 0xf7)
  const writes: number[][] = []
  const bus: I2cBus = {
    async readI2cBlock(address, command, length, buffer) {
      expect(address).toBe(0x76)
      Buffer.from(regs.subarray(command, command + length)).copy(buffer)
      return { bytesRead: length, buffer }
    },
    async writeByte(address, command, byte) {
      writes.push([address, command, byte])
    },
  }
  return { bus, writes }
}

describe('BME280 compensation and driver over a fake I2C bus', () => {
  it('matches the datasheet example: 25.08 C and 100653.27 Pa', () => {
    const { bus } = fakeBme280(30000)
    return (async () => {
      const d = new Bme280Driver({ driver: 'bme280', bus: 1, address: 0x76, sampleSeconds: 1 }, async () => bus)
      const m = await d.measure()
      expect(m.temperature).toBeCloseTo(25.08, 2)
      expect(m.pressure * 100).toBeCloseTo(100653.27, 1)
      expect(m.relative_humidity).toBeGreaterThan(0)
      expect(m.relative_humidity).toBeLessThanOrEqual(100)
    })()
  })

  it('humidity rises with the raw humidity count and stays within 0..100', () => {
    const b1 = Buffer.alloc(26)
    const c = parseCalibration(b1, Buffer.from([0x6a, 0x01, 0, 0x13, 0x29, 0x03, 0x1e]))
    const cal = { ...c, ...DATASHEET, H1: 75 }
    const low = compensate(cal, { adcT: ADC_T, adcP: ADC_P, adcH: 25000 }).humidity
    const high = compensate(cal, { adcT: ADC_T, adcP: ADC_P, adcH: 35000 }).humidity
    expect(high).toBeGreaterThan(low)
    expect(compensate(cal, { adcT: ADC_T, adcP: ADC_P, adcH: 65535 }).humidity).toBe(100)
  })

  it('refuses a chip that is not a BME280 with IOT_EDGE_I2C', async () => {
    const bus: I2cBus = {
      async readI2cBlock(_a, _c, length, buffer) {
        buffer.fill(0x58, 0, length)
        return { bytesRead: length, buffer }
      },
      async writeByte() {},
    }
    const d = new Bme280Driver({ driver: 'bme280', bus: 1, address: 0x76, sampleSeconds: 1 }, async () => bus)
    await expect(d.measure()).rejects.toMatchObject({ code: 'IOT_EDGE_I2C' })
  })
})
