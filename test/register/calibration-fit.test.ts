/** Unit test of the calibration fit: least squares, agreement statistics and the EPA targets. */
import { describe, expect, it } from 'vitest'
import {
  agreement,
  EPA_TARGETS,
  leastSquares,
  missedTargets,
  type Pair,
} from '../../register/quality/calibration-fit.js'

/** Noise-free pairs from a known model: reference = 5 + 0.625 x - 0.1875 rh. */
function exactPairs(): Pair[] {
  return Array.from({ length: 50 }, (_, i) => {
    const x = 10 + ((i * 7) % 40)
    const rh = 40 + ((i * 13) % 41)
    return { time: i, inputs: { pm2_5: x, relative_humidity: rh }, reference: 5 + 0.625 * x - 0.1875 * rh }
  })
}

describe('calibration fit', () => {
  it('recovers the coefficients of noise-free data exactly', () => {
    const c = leastSquares(exactPairs(), ['pm2_5', 'relative_humidity'])!
    expect(c.intercept).toBeCloseTo(5, 9)
    expect(c.pm2_5).toBeCloseTo(0.625, 9)
    expect(c.relative_humidity).toBeCloseTo(-0.1875, 9)
  })

  it('refuses a covariate that does not vary (a singular system)', () => {
    const flat = exactPairs().map((p) => ({ ...p, inputs: { ...p.inputs, relative_humidity: 60 } }))
    expect(leastSquares(flat, ['pm2_5', 'relative_humidity'])).toBeUndefined()
  })

  it('reports slope, intercept, R², RMSE, NRMSE and bias of estimates against the reference', () => {
    const reference = [10, 20, 30, 40]
    expect(agreement(reference, reference)).toMatchObject({ slope: 1, intercept: 0, r2: 1, rmse: 0, bias: 0, n: 4 })
    const high = agreement(
      reference.map((r) => 2 * r + 1),
      reference,
    )
    expect(high).toMatchObject({ slope: 2, intercept: 1, r2: 1, bias: 26 })
    expect(high.nrmse).toBeCloseTo((high.rmse / 25) * 100, 3)
  })

  it('names each EPA target a fit misses', () => {
    const fit = { slope: 1.5, intercept: 6, r2: 0.6, rmse: 8, nrmse: 35, bias: 2, n: 100 }
    expect(missedTargets(fit, EPA_TARGETS.pm2_5!)).toEqual([
      'slope 1.5 outside 0.65..1.35',
      'intercept 6 beyond ±5',
      'R² 0.6 below 0.7',
      'RMSE 8 above 7 (and NRMSE 35% above 30%)',
    ])
    expect(missedTargets({ ...fit, slope: 1, intercept: 0, r2: 0.9, rmse: 8, nrmse: 20 }, EPA_TARGETS.pm2_5!)).toEqual(
      [],
    )
  })
})
