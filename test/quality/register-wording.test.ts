/**
 * The register page's data-quality wording in real Chromium (playwright-core, Debian's browser):
 * the DAQI labelled indicative, "not enough data yet" for a new sensor, the statuses explained in
 * plain English, a value left out of averages with the reason, the ratified period, and the
 * correction with its reference instrument. Readings come through the real ingest into a real
 * influxd; axe-core finds no serious or critical violations.
 */
import { mkdirSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Reading } from '../../schemas/types.gen.js'
import { launchChromium } from '../helpers/chromium.js'
import { airEntry, HOUR, type Json, MINUTE, noise, type Platform, post, reading, startPlatform } from './fixtures.js'

const ARTIFACTS = join(process.cwd(), 'test-artifacts', 'quality')
const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js')
const STEADY = 'cam-w1'
const NEW = 'cam-w2'
const REFERENCE = 'ref-w1'

let p: Platform
let browser: Awaited<ReturnType<typeof launchChromium>>
let page: Page

/** 26 hours of 5-minute readings ending now. */
function series(end: number): Reading[] {
  const r = noise(5)
  return Array.from({ length: 26 * 12 }, (_, i) =>
    reading(
      STEADY,
      i + 1,
      end - (26 * 12 - i) * 5 * MINUTE,
      {
        pm2_5: Math.round((12 + 4 * r()) * 10) / 10,
        pm10: Math.round((20 + 4 * r()) * 10) / 10,
        no2: Math.round((35 + 10 * r()) * 10) / 10,
        relative_humidity: Math.round((60 + 4 * r()) * 10) / 10,
      },
      300,
    ),
  )
}

async function axeViolations(target: Page) {
  await target.addScriptTag({ path: AXE })
  const result = await target.evaluate(async () => {
    const axe = (window as unknown as { axe: { run: (o: unknown) => Promise<Json> } }).axe
    return axe.run({ runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] } })
  })
  return (result.violations as { id: string; impact: string }[]).filter(
    (v) => v.impact === 'serious' || v.impact === 'critical',
  )
}

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true })
  p = await startPlatform([
    airEntry(STEADY),
    airEntry(NEW),
    airEntry(REFERENCE, { name: 'Camden reference station', data_grade: 'reference', measures: ['pm2_5'] }),
  ])
  const end = Math.floor(Date.now() / (5 * MINUTE)) * 5 * MINUTE
  await post(p, STEADY, series(end))
  await post(p, NEW, [reading(NEW, 1, end - 2 * MINUTE, { pm2_5: 9, pm10: 14, no2: 20 })])
  const dayAgo = new Date(end - 30 * HOUR).toISOString()
  p.registry.addRatification(
    { sensor: STEADY, from: dayAgo, to: new Date(end - 20 * HOUR).toISOString() },
    'camden-admin',
  )
  p.registry.addCalibration(
    {
      sensor: STEADY,
      field: 'pm2_5',
      method: 'mlr',
      coefficients: { intercept: 4.1, pm2_5: 0.62, relative_humidity: -0.05 },
      covariates: ['relative_humidity'],
      reference: REFERENCE,
      colocationFrom: '2026-09-01T00:00:00.000Z',
      colocationTo: '2026-10-01T00:00:00.000Z',
      averaging: '1h',
      stats: { r2: 0.91, rmse: 1.8, bias: 0.1, meets_targets: true },
      applied: true,
      validFrom: '2026-09-01T00:00:00.000Z',
    },
    'camden-admin',
  )
  browser = await launchChromium({ bypassCSP: true })
  page = await browser.context.newPage()
}, 120_000)

afterAll(async () => {
  await browser?.close()
  await p?.close()
})

describe('register wording on data quality', () => {
  it('labels the DAQI indicative and explains the statuses in plain English', { timeout: 60_000 }, async () => {
    await page.goto(`${p.url}/sensors/${STEADY}`)
    expect(await page.locator('#daqi').textContent()).toBe('Daily Air Quality Index (indicative)')
    expect(await page.locator('#daqi-label').textContent()).toBe(
      'Indicative: from a low-cost sensor, not the official Daily Air Quality Index.',
    )
    expect(await page.locator('#daqi-overall').textContent()).toMatch(/^\d+ \((Low|Moderate|High|Very High)\)$/)
    const statuses = page.locator('dl.statuses')
    expect(await statuses.locator('dt').allTextContents()).toEqual(['Provisional', 'Ratified', 'Raw'])
    expect(await statuses.locator('dd').first().textContent()).toMatch(/^Checked automatically as it arrived/)
    expect(await page.locator('#ratified-to').textContent()).toMatch(
      /^Reviewed \(ratified\) by the operator up to .* \(version 1\)\.$/,
    )
    await page.screenshot({ path: join(ARTIFACTS, 'sensor-quality.png'), fullPage: true })
    expect(await axeViolations(page)).toEqual([])
  })

  it('shows the corrected value next to the measured one, and says how it was corrected', async () => {
    await page.goto(`${p.url}/sensors/${STEADY}`)
    expect(await page.locator('#latest thead th').allTextContents()).toEqual([
      'Measure',
      'Value as measured',
      'Corrected',
      'Unit',
      'Note',
    ])
    expect(Number(await page.locator('td[data-corrected="pm2_5"]').textContent())).toBeGreaterThan(0)
    expect(await page.locator('li[data-correction="pm2_5"]').textContent()).toMatch(
      /^PM2\.5 \(fine particles\) corrected for humidity using a linear model fitted against the reference instrument Camden reference station \(co-located 2026-09-01 to 2026-10-01, R² 0\.91; calibration \d+, version 1\)\. Fit against the reference: R² 0\.91, RMSE 1\.8 µg\/m³, bias 0\.1 µg\/m³\. It meets the US EPA performance targets/,
    )
  })

  it('fits a phone screen with the corrected column, without sideways scrolling', async () => {
    const phone = await launchChromium({ viewport: { width: 375, height: 740 }, bypassCSP: true })
    try {
      const small = await phone.context.newPage()
      await small.goto(`${p.url}/sensors/${STEADY}`)
      expect(await small.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).toBeLessThanOrEqual(
        0,
      )
      expect(await axeViolations(small)).toEqual([])
      await small.screenshot({ path: join(ARTIFACTS, 'sensor-quality-phone.png'), fullPage: true })
    } finally {
      await phone.close()
    }
  })

  it('says "not enough data yet" for a sensor a few minutes old', async () => {
    await page.goto(`${p.url}/sensors/${NEW}`)
    expect(await page.locator('#daqi-overall').textContent()).toMatch(
      /^Not enough data yet\. The index needs a full averaging period/,
    )
    expect(await page.locator('td[data-daqi="pm2_5"]').textContent()).toBe('Not enough data yet')
    expect(await page.locator('#ratified-to').textContent()).toMatch(/has been ratified yet: all of it is provisional/)
    expect(await page.locator('#completeness').textContent()).toMatch(/since its first reading/)
    expect(await axeViolations(page)).toEqual([])
  })

  it('notes a value left out of averages, with the reason in words', async () => {
    // A new newest reading taken in fog: its PM values fail the humidity rule.
    const end = Math.floor(Date.now() / (5 * MINUTE)) * 5 * MINUTE
    await post(p, STEADY, [reading(STEADY, 10_000, end, { pm2_5: 12, pm10: 19, no2: 34, relative_humidity: 97 })])
    // Pages are cacheable for 30 s: ask past the cache for the page with the new reading.
    await page.goto(`${p.url}/sensors/${STEADY}?after=${end}`)
    expect(await page.locator('td[data-note="pm10"]').textContent()).toBe(
      'Left out of averages: fog: the sensor counts water droplets as particles.',
    )
    expect(await page.locator('td[data-note="no2"]').textContent()).toBe('')
  })
})
