/**
 * What the sensor page says where the data is too thin to draw: a chart with one point draws no
 * line, and an empty chart would suggest nothing was measured. (The rules that judge the data,
 * and what the page says about completeness and the DAQI, live in register/quality/ and
 * quality-sections.ts.)
 */
import { esc } from './html.js'

/** In place of a chart with too few points to draw a line through. */
export function notEnoughData(points: number, period: string, first: string | undefined): string {
  const since = first ? `, since ${esc(first.slice(11, 16))} UTC` : ''
  const have = points === 0 ? 'none' : `${points} so far${since}`
  return `<p class="thin-data" id="chart-thin"><strong>Not enough data yet</strong> for a 24-hour chart: it needs at least two ${esc(period)}, and this sensor has ${have}.</p>`
}
