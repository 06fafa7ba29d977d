/**
 * Browser flow test in real Chromium (playwright-core, never a downloaded browser): the register map
 * shows the seeded sensors, a click opens the sensor page, live values appear after a new reading is
 * written to influxd, axe-core finds no serious/critical violations, and pages work without JavaScript.
 */
import { mkdirSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { launchChromium } from '../helpers/chromium.js'
import { type InfluxServer, startInfluxd } from '../helpers/influxd.js'
import {
  airLine,
  CAMDEN_AIR,
  ENTRIES,
  HACKNEY_TRAFFIC,
  type RegisterApp,
  seedInflux,
  startRegisterApp,
} from './fixtures.js'

// biome-ignore lint/suspicious/noExplicitAny: JSON response bodies under test
type Json = any

const DB = 'streetsense'
const ARTIFACTS = join(process.cwd(), 'test-artifacts', 'register')
const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js')

let influx: InfluxServer
let reg: RegisterApp
const contexts: { close(): Promise<void> }[] = []

async function browserContext(javaScriptEnabled: boolean, viewport = { width: 1280, height: 900 }) {
  const browser = await launchChromium({ javaScriptEnabled, viewport })
  contexts.push(browser)
  return browser.context
}

async function axeViolations(page: Page) {
  await page.addScriptTag({ path: AXE })
  const result = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run: (o: unknown) => Promise<Json> } }).axe
    return axe.run({ runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] } })
  })
  return (result.violations as { id: string; impact: string; nodes: { target: string[] }[] }[]).filter(
    (v) => v.impact === 'serious' || v.impact === 'critical',
  )
}

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true })
  influx = await startInfluxd()
  await seedInflux(influx, DB, Math.floor(Date.now() / 60_000) * 60_000)
  reg = await startRegisterApp(influx, DB, { liveRefreshSeconds: 1 })
})

afterAll(async () => {
  for (const browser of contexts) await browser.close()
  await reg?.close()
  await influx?.stop()
})

describe('register page in Chromium', () => {
  it('shows every seeded sensor on the map of 33 boroughs; a click opens the sensor page; live values update', {
    timeout: 120_000,
  }, async () => {
    const ctx = await browserContext(true)
    const page = await ctx.newPage()
    await page.goto(`${reg.url}/`)
    expect(await page.locator('#london-map path.borough').count()).toBe(33)
    // Each sensor has its own marker, or is counted in a cluster of sensors too close to tell apart.
    const onMap = await page.$$eval('#london-map a.marker, #london-map a.cluster', (links) =>
      links.reduce((n, a) => n + Number(a.getAttribute('data-count') ?? 1), 0),
    )
    expect(onMap).toBe(ENTRIES.length)
    expect(await page.locator('#sensor-list li').count()).toBe(ENTRIES.length)
    await page.screenshot({ path: join(ARTIFACTS, 'index.png'), fullPage: true })
    expect(await axeViolations(page)).toEqual([])

    // The progressive script filters the list as you type.
    await page.fill('#f-q', 'mare street')
    await expect.poll(() => page.locator('#list-count').textContent()).toBe('1')
    await page.fill('#f-q', '')

    // Its Westminster neighbour is too close at this scale: their cluster leads to Camden's map.
    await page.locator(`a.cluster[data-sensors~="${CAMDEN_AIR.id}"]`).click()
    await page.waitForURL(`**/?borough=${CAMDEN_AIR.borough}`)
    await page.locator(`a.marker[data-sensor="${CAMDEN_AIR.id}"]`).click()
    await page.waitForURL(`**/sensors/${CAMDEN_AIR.id}`)
    expect(await page.locator('h1').textContent()).toBe(CAMDEN_AIR.name)
    expect(await page.locator('#daqi').count()).toBe(1)
    expect(await page.locator('figure.chart svg path').count()).toBeGreaterThan(0)
    expect(await axeViolations(page)).toEqual([])

    const cell = page.locator('td[data-field="pm2_5"]')
    expect(await cell.textContent()).not.toBe('77.7')
    await influx.write(
      DB,
      airLine(
        { sensor: CAMDEN_AIR.id, time: Date.now(), seq: 20_000, values: { pm2_5: 77.7, no2: 41 } },
        CAMDEN_AIR.borough,
      ),
      'ms',
    )
    await expect.poll(() => cell.textContent(), { timeout: 20_000 }).toBe('77.7')
    await page.screenshot({ path: join(ARTIFACTS, 'sensor-air.png'), fullPage: true })
  })

  it('works without JavaScript: server-side filters, sensor page with readings and chart', {
    timeout: 120_000,
  }, async () => {
    const ctx = await browserContext(false)
    const page = await ctx.newPage()
    await page.goto(`${reg.url}/`)
    await page.selectOption('#f-kind', 'traffic')
    await page.selectOption('#f-borough', HACKNEY_TRAFFIC.borough)
    await page.click('form.filters button[type=submit]')
    await page.waitForURL(/kind=traffic/)
    expect(await page.locator('#sensor-list li').count()).toBe(1)
    expect(await page.locator('#london-map a.marker').count()).toBe(1)
    expect(await page.locator('#london-map path.borough.selected title').textContent()).toBe('Hackney')
    await page.screenshot({ path: join(ARTIFACTS, 'index-hackney-nojs.png'), fullPage: true })
    await page.click(`#sensor-list a[href="/sensors/${HACKNEY_TRAFFIC.id}"]`)
    await page.waitForURL(`**/sensors/${HACKNEY_TRAFFIC.id}`)
    const total = await page.locator('td[data-field="total_vehicles"]').textContent()
    expect(Number(total)).toBeGreaterThan(0)
    expect(await page.getByText('Yes.', { exact: false }).count()).toBeGreaterThan(0)
    expect(await page.locator('a[href="https://hackney.gov.uk/dpia/street-counters"]').count()).toBe(1)
    expect(await page.locator('figure.chart svg rect').count()).toBeGreaterThan(0)
    await page.screenshot({ path: join(ARTIFACTS, 'sensor-traffic-nojs.png'), fullPage: true })
  })

  it('fits a phone screen without sideways scrolling', { timeout: 120_000 }, async () => {
    const ctx = await browserContext(true, { width: 375, height: 740 })
    const page = await ctx.newPage()
    for (const path of ['/', `/sensors/${CAMDEN_AIR.id}`, `/sensors/${HACKNEY_TRAFFIC.id}`]) {
      await page.goto(`${reg.url}${path}`)
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)
      expect(overflow, path).toBeLessThanOrEqual(0)
      expect(await axeViolations(page), path).toEqual([])
    }
    await page.screenshot({ path: join(ARTIFACTS, 'sensor-phone.png'), fullPage: true })
  })
})
