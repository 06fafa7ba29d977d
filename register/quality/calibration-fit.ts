/**
 * Fitting a calibration: ordinary least squares of the reference's hourly means on the sensor's
 * hourly means and covariates (relative humidity, temperature: the multiple linear regression
 * form of Barkjohn et al. 2021, AMT 14, 4617, fitted on the sensor's own co-location), and the
 * statistics of the corrected series against the reference with the US EPA performance targets
 * for air sensors (EPA/600/R-20/279 and /280, as encoded in EPA sensortoolkit): slope and
 * intercept of corrected on reference, R², RMSE (or NRMSE), bias. Pure functions.
 */

export interface Pair {
  time: number
  /** The sensor's value and covariates, by field name. */
  inputs: Record<string, number>
  reference: number
}

export interface LinearFit {
  slope: number
  intercept: number
  r2: number
  rmse: number
  /** RMSE as a percentage of the reference mean. */
  nrmse: number
  /** Mean of (estimate - reference). */
  bias: number
  n: number
}

export interface Targets {
  slope: [number, number]
  /** Largest |intercept|, ug/m3. */
  intercept: number
  r2: number
  /** Largest RMSE, ug/m3; or NRMSE (%) where the target allows it. */
  rmse: number
  nrmse?: number
}

/** ug/m3 per ppb at 20 C and 1013 hPa (molar volume 24.055 L): as the edge converts NO2. */
const NO2_UGM3_PER_PPB = 1.9125
const O3_UGM3_PER_PPB = 1.9957

/** EPA targets per pollutant; the ppb targets of the gases converted to ug/m3. */
export const EPA_TARGETS: Record<string, Targets> = {
  pm2_5: { slope: [0.65, 1.35], intercept: 5, r2: 0.7, rmse: 7, nrmse: 30 },
  pm10: { slope: [0.65, 1.35], intercept: 10, r2: 0.7, rmse: 14, nrmse: 30 },
  o3: { slope: [0.8, 1.2], intercept: 5 * O3_UGM3_PER_PPB, r2: 0.8, rmse: 5 * O3_UGM3_PER_PPB },
  no2: { slope: [0.65, 1.35], intercept: 5 * NO2_UGM3_PER_PPB, r2: 0.7, rmse: 15 * NO2_UGM3_PER_PPB },
}

/** Least squares: coefficients of `intercept` and of each input name, or undefined if singular. */
export function leastSquares(pairs: readonly Pair[], names: readonly string[]): Record<string, number> | undefined {
  const k = names.length + 1
  const xtx = Array.from({ length: k }, () => new Array<number>(k).fill(0))
  const xty = new Array<number>(k).fill(0)
  for (const p of pairs) {
    const row = [1, ...names.map((n) => p.inputs[n]!)]
    for (let i = 0; i < k; i++) {
      xty[i]! += row[i]! * p.reference
      for (let j = 0; j < k; j++) xtx[i]![j]! += row[i]! * row[j]!
    }
  }
  const beta = solve(xtx, xty)
  if (!beta) return undefined
  return Object.fromEntries([['intercept', beta[0]!], ...names.map((n, i) => [n, beta[i + 1]!])])
}

/** Gaussian elimination with partial pivoting; undefined when the system is (nearly) singular. */
function solve(a: number[][], b: number[]): number[] | undefined {
  const n = b.length
  const m = a.map((row, i) => [...row, b[i]!])
  for (let col = 0; col < n; col++) {
    let pivot = col
    for (let r = col + 1; r < n; r++) if (Math.abs(m[r]![col]!) > Math.abs(m[pivot]![col]!)) pivot = r
    if (Math.abs(m[pivot]![col]!) < 1e-9 * Math.max(1, Math.abs(m[0]![0]!))) return undefined
    ;[m[col], m[pivot]] = [m[pivot]!, m[col]!]
    for (let r = 0; r < n; r++) {
      if (r === col) continue
      const f = m[r]![col]! / m[col]![col]!
      for (let c = col; c <= n; c++) m[r]![c]! -= f * m[col]![c]!
    }
  }
  return m.map((row, i) => row[n]! / row[i]!)
}

/** The statistics of `estimates` against `reference` (estimate regressed on reference, as EPA reports them). */
export function agreement(estimates: readonly number[], reference: readonly number[]): LinearFit {
  const n = reference.length
  const mx = mean(reference)
  const my = mean(estimates)
  let sxx = 0
  let sxy = 0
  let syy = 0
  let sq = 0
  for (let i = 0; i < n; i++) {
    const dx = reference[i]! - mx
    const dy = estimates[i]! - my
    sxx += dx * dx
    sxy += dx * dy
    syy += dy * dy
    sq += (estimates[i]! - reference[i]!) ** 2
  }
  const slope = sxx > 0 ? sxy / sxx : Number.NaN
  const rmse = Math.sqrt(sq / n)
  return {
    slope: round(slope),
    intercept: round(my - slope * mx),
    r2: round(sxx > 0 && syy > 0 ? (sxy * sxy) / (sxx * syy) : 0),
    rmse: round(rmse),
    nrmse: round(mx !== 0 ? (rmse / mx) * 100 : Number.NaN),
    bias: round(my - mx),
    n,
  }
}

/** Which EPA targets a fit misses (empty: it meets them all). */
export function missedTargets(fit: LinearFit, t: Targets): string[] {
  const missed: string[] = []
  if (!(fit.slope >= t.slope[0] && fit.slope <= t.slope[1]))
    missed.push(`slope ${fit.slope} outside ${t.slope.join('..')}`)
  if (!(Math.abs(fit.intercept) <= t.intercept)) missed.push(`intercept ${fit.intercept} beyond ±${round(t.intercept)}`)
  if (!(fit.r2 >= t.r2)) missed.push(`R² ${fit.r2} below ${t.r2}`)
  const rmseOk = fit.rmse <= t.rmse || (t.nrmse !== undefined && fit.nrmse <= t.nrmse)
  if (!rmseOk)
    missed.push(
      `RMSE ${fit.rmse} above ${round(t.rmse)}${t.nrmse ? ` (and NRMSE ${fit.nrmse}% above ${t.nrmse}%)` : ''}`,
    )
  return missed
}

const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length
const round = (v: number) => Math.round(v * 10_000) / 10_000
