/**
 * The demo fleet on the register map, in real Chromium at a desktop (1280 px) and a phone (375 px)
 * width: every sensor has a marker of its own that nothing covers, or is counted in a cluster
 * that shows how many it holds; no two drawn circles overlap. The demo lays its sensors out inside
 * their own boroughs (30 of them over 30 boroughs), also with 500, and a smaller run after a
 * larger one retires the demo sensors beyond its count, and nothing else. Screenshots go to
 * test-artifacts/register/.
 */
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ensureDemoSensors, retireUnusedDemoSensors } from '../../cli/up/demo-sensors.js'
import { boroughContains } from '../../register/index.js'
import { buildEntry } from '../../registry/index.js'
import { BOROUGHS, type RegisterEntry } from '../../schemas/index.js'
import { launchChromium } from '../helpers/chromium.js'
import { type InfluxServer, startInfluxd } from '../helpers/influxd.js'
import { type RegisterApp, startRegisterApp } from './fixtures.js'

const ARTIFACTS = join(import.meta.dirname, '../../test-artifacts/register')
let influx: InfluxServer
let reg: RegisterApp

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true })
  influx = await startInfluxd()
  await influx.createDatabase('streetsense')
  reg = await startRegisterApp(influx, 'streetsense', { seedRegister: false })
})

afterAll(async () => {
  await reg?.close()
  await influx?.stop()
})

interface Drawn {
  ids: string[]
  count: number
  shown: string | null
  box: { x: number; y: number; width: number; height: number }
  onTop: boolean
}

/** Every marker and cluster as drawn: its sensors, its box on screen, and whether it is on top at its centre. */
async function drawn(page: Page): Promise<Drawn[]> {
  return page.$$eval('#london-map a.marker, #london-map a.cluster', (links) =>
    links.map((a) => {
      const circle = a.querySelector('circle')!
      const r = circle.getBoundingClientRect()
      const top = document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2)
      const ids = a.classList.contains('cluster')
        ? (a.getAttribute('data-sensors') ?? '').split(' ')
        : [a.getAttribute('data-sensor') ?? '']
      return {
        ids,
        count: Number(a.getAttribute('data-count') ?? 1),
        shown: a.querySelector('text')?.textContent ?? null,
        box: { x: r.x, y: r.y, width: r.width, height: r.height },
        onTop: top !== null && a.contains(top),
      }
    }),
  )
}

async function checkMap(page: Page, path: string, expected: string[], shot: string): Promise<Drawn[]> {
  await page.goto(`${reg.url}${path}`)
  // On a phone the map is below the filters: look at it as a resident scrolling to it would.
  await page.locator('#london-map').scrollIntoViewIfNeeded()
  await page.locator('#london-map').screenshot({ path: join(ARTIFACTS, shot) })
  const items = await drawn(page)
  // Every sensor exactly once: its own marker, or a member of one cluster.
  expect(items.flatMap((d) => d.ids).sort()).toEqual([...expected].sort())
  for (const d of items) {
    expect(d.onTop, `${d.ids.join(',')} is covered`).toBe(true)
    expect(d.box.width, `${d.ids.join(',')} is too small to see`).toBeGreaterThanOrEqual(7)
    if (d.ids.length > 1) expect(d.shown).toBe(String(d.ids.length))
    if (d.ids.length > 1) expect(d.count).toBe(d.ids.length)
  }
  // No drawn circle overlaps another (their centres are further apart than their radii together).
  for (let i = 0; i < items.length; i++) {
    for (let j = i + 1; j < items.length; j++) {
      const a = items[i]!.box
      const b = items[j]!.box
      const gap = Math.hypot(a.x + a.width / 2 - b.x - b.width / 2, a.y + a.height / 2 - b.y - b.height / 2)
      expect(gap, `${items[i]!.ids} and ${items[j]!.ids} overlap`).toBeGreaterThanOrEqual((a.width + b.width) / 2)
    }
  }
  return items
}

const active = () => reg.registry.listSensors({ status: 'active' }).map((r) => r.entry.id)

describe('the demo fleet on the register map', () => {
  it('30 demo sensors over 30 boroughs, each inside its own borough', () => {
    const sensors = ensureDemoSensors(reg.registry, reg.dataDir, 30)
    expect(new Set(sensors.map((s) => s.borough)).size).toBe(30)
    for (const { entry } of reg.registry.listSensors()) {
      const [lon, lat] = entry.location.coordinates as [number, number]
      expect(boroughContains(BOROUGHS[entry.borough as keyof typeof BOROUGHS], lon, lat), entry.name).toBe(true)
    }
  })

  for (const [width, height] of [
    [1280, 900],
    [375, 812],
  ] as const) {
    it(`every one of the 30 is visible or counted in a cluster at ${width} px`, async () => {
      const browser = await launchChromium({ viewport: { width, height } })
      try {
        const page = await browser.context.newPage()
        const items = await checkMap(page, '/', active(), `demo-30-${width}.png`)
        // Spread over London, most sensors have a marker of their own.
        expect(items.filter((d) => d.ids.length === 1).length).toBeGreaterThan(15)
      } finally {
        await browser.close()
      }
    })
  }

  // 500 registrations hash 500 passwords (scrypt), which takes a while on a shared machine.
  it('with 500, every sensor is inside its borough and every one is visible or counted, at both widths', {
    timeout: 300_000,
  }, async () => {
    ensureDemoSensors(reg.registry, reg.dataDir, 500)
    const records = reg.registry.listSensors()
    expect(records).toHaveLength(500)
    const places = new Set<string>()
    for (const { entry } of records) {
      const [lon, lat] = entry.location.coordinates as [number, number]
      expect(boroughContains(BOROUGHS[entry.borough as keyof typeof BOROUGHS], lon, lat), entry.name).toBe(true)
      places.add(`${lon},${lat}`)
    }
    expect(places.size).toBe(500)
    for (const [width, height] of [
      [1280, 900],
      [375, 812],
    ] as const) {
      const browser = await launchChromium({ viewport: { width, height } })
      try {
        const page = await browser.context.newPage()
        const items = await checkMap(page, '/', active(), `demo-500-${width}.png`)
        // The biggest cluster leads to its borough's map, where its sensors are told apart.
        const biggest = items.reduce((a, b) => (b.ids.length > a.ids.length ? b : a))
        const borough = reg.registry.getSensor(biggest.ids[0]!)!.entry.borough
        const theirs = reg.registry.listSensors({ borough, status: 'active' }).map((r) => r.entry.id)
        const zoomed = await checkMap(page, `/?borough=${borough}`, theirs, `demo-500-${width}-${borough}.png`)
        expect(zoomed.length).toBeGreaterThan(biggest.ids.length / 2)
      } finally {
        await browser.close()
      }
    }
  })

  it('a run with fewer retires the demo sensors beyond its count, and only those', () => {
    const theirs = buildEntry({ id: 'camden-aq-0042', borough: 'E09000007', kind: 'air' })
    reg.registry.addSensor(theirs as unknown as RegisterEntry, 'test')
    const thirty = ensureDemoSensors(reg.registry, reg.dataDir, 30)
    const retired = retireUnusedDemoSensors(reg.registry, reg.dataDir, thirty)
    expect(retired).toHaveLength(470)
    expect(retired[0]).toBe('demo-aq-031')
    expect(retired).not.toContain('demo-tr-030')
    expect(active().sort()).toEqual(
      [...ensureDemoSensors(reg.registry, reg.dataDir, 30).map((s) => s.id), 'camden-aq-0042'].sort(),
    )
    expect(reg.registry.getSensor('demo-aq-500')?.entry.status).toBe('retired')
    // A larger run brings them back.
    const sixty = ensureDemoSensors(reg.registry, reg.dataDir, 60)
    expect(reg.registry.getSensor('demo-aq-058')?.entry.status).toBe('active')
    expect(retireUnusedDemoSensors(reg.registry, reg.dataDir, sixty)).toHaveLength(0)
  })
})
