/**
 * What the register page tells residents about governance, read in real Chromium from pages the
 * real register renders from the registry: "Kept for" says that older readings are deleted (or
 * that they are kept indefinitely), "Shared as" names the partner boroughs and the agreement in
 * force (or says none is, and who can read it then), and the DPIA is linked with its review date
 * ("review due ..." or "review overdue since ..."). The JSON the page is built from says the same.
 */
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildEntry } from '../../registry/index.js'
import type { RegisterEntry } from '../../schemas/index.js'
import { launchChromium } from '../helpers/chromium.js'
import { type InfluxServer, startInfluxd } from '../helpers/influxd.js'
import { type RegisterApp, startRegisterApp } from '../register/fixtures.js'

const CAMDEN = 'E09000007'

const entry = (id: string, sharing: string, retention: string, extra: Partial<RegisterEntry> = {}): RegisterEntry =>
  ({ ...buildEntry({ id, borough: CAMDEN, kind: 'air' }), sharing, retention, ...extra }) as RegisterEntry

describe('the register page states governance as enforced (real Chromium)', () => {
  let influx: InfluxServer
  let reg: RegisterApp
  let browser: Awaited<ReturnType<typeof launchChromium>>
  let page: Page

  const text = async (id: string, selector: string) => {
    await page.goto(`${reg.url}/sensors/${id}`)
    return ((await page.locator(selector).textContent()) ?? '').replace(/\s+/g, ' ').trim()
  }

  beforeAll(async () => {
    influx = await startInfluxd()
    await influx.createDatabase('wording')
    reg = await startRegisterApp(influx, 'wording', { seedRegister: false })
    const r = reg.registry
    r.addSensor(entry('cam-open', 'open', 'P5Y'))
    r.addSensor(entry('cam-shared', 'shared', 'P30D'))
    r.addSensor(entry('cam-lapsed', 'shared', 'P1Y6M'))
    r.addSensor(entry('cam-restricted', 'restricted', 'indefinite'))
    r.addSensor(
      entry('cam-camera', 'restricted', 'P2W', {
        personal_data: 'pseudonymised',
        legal_basis: 'public_task',
        dpia_url: 'https://camden.example/dpia/cameras',
      }),
    )
    r.addAgreement({
      reference: 'CAM-DSA-4',
      borough: CAMDEN,
      partners: ['E09000012', 'E09000019'],
      purpose: 'Joint air quality action plan',
      sensors: ['cam-shared'],
      starts: '2020-01-06',
      review: '2099-03-31',
    })
    r.addAgreement({
      reference: 'CAM-DSA-1',
      borough: CAMDEN,
      partners: ['E09000033'],
      purpose: 'Ended pilot',
      sensors: ['cam-lapsed'],
      starts: '2019-01-01',
      review: '2019-06-01',
      ends: '2019-12-31',
    })
    r.addDpia({
      reference: 'CAM-DPIA-7',
      borough: CAMDEN,
      title: 'Air quality sensors on lamp columns',
      purpose: 'Measuring air pollution near schools',
      url: 'https://camden.example/dpia/7',
      sensors: ['cam-open', 'cam-shared'],
      approved: '2020-01-02',
      review: '2099-01-02',
    })
    r.addDpia({
      reference: 'CAM-DPIA-2',
      borough: CAMDEN,
      title: 'Pseudonymising traffic cameras',
      purpose: 'Counting vehicles by class',
      url: 'https://camden.example/dpia/2',
      sensors: ['cam-shared'],
      approved: '2020-03-01',
      review: '2021-06-30',
    })
    browser = await launchChromium()
    page = await browser.context.newPage()
  })
  afterAll(async () => {
    await browser?.close()
    await reg?.close()
    await influx?.stop()
  })

  it('Kept for: the retention the ingest enforces', async () => {
    expect(await text('cam-open', '#kept-for')).toBe('5 years; older readings are deleted automatically')
    expect(await text('cam-shared', '#kept-for')).toBe('30 days; older readings are deleted automatically')
    expect(await text('cam-lapsed', '#kept-for')).toBe('1 year, 6 months; older readings are deleted automatically')
    expect(await text('cam-restricted', '#kept-for')).toBe('indefinitely')
  })

  it('Shared as: open data, the partners and agreement in force, or who can read it', async () => {
    expect(await text('cam-open', '#shared-as')).toBe('open data, free for anyone to use')
    expect(await text('cam-shared', '#shared-as')).toBe(
      'shared with partner boroughs under a data-sharing agreement: Hackney and Islington (agreement CAM-DSA-4, Joint air quality action plan; in force since 6 January 2020; review due 31 March 2099)',
    )
    expect(await text('cam-lapsed', '#shared-as')).toBe(
      "shared with partner boroughs, but no data-sharing agreement is in force, so only Camden's own accounts can read its readings",
    )
    expect(await text('cam-restricted', '#shared-as')).toBe(
      "restricted: only Camden's own accounts can read its readings",
    )
  })

  it('the DPIA, linked, with "review due" or "review overdue since"', async () => {
    expect(await text('cam-open', '#dpia')).toBe(
      'Air quality sensors on lamp columns (CAM-DPIA-7, approved 2 January 2020; review due 2 January 2099)',
    )
    expect(await page.locator('#dpia a').getAttribute('href')).toBe('https://camden.example/dpia/7')
    const shared = await text('cam-shared', '#dpia')
    expect(shared).toContain(
      'Pseudonymising traffic cameras (CAM-DPIA-2, approved 1 March 2020; review overdue since 30 June 2021)',
    )
    expect(shared).toContain('review due 2 January 2099')
    // No record: the register entry's own DPIA link, as before.
    expect(await text('cam-camera', '#dpia')).toBe('Read the DPIA')
    expect(await page.locator('#dpia a').getAttribute('href')).toBe('https://camden.example/dpia/cameras')
    await page.goto(`${reg.url}/sensors/cam-restricted`)
    expect(await page.locator('#dpia').count()).toBe(0)
  })

  it('the JSON behind the page says the same', async () => {
    const d = (await (await fetch(`${reg.url}/v1/sensors/cam-shared`)).json()) as {
      governance: {
        retention: { kept_for: string; deleted_before: string }
        sharing_agreements: { reference: string; partners: { code: string; name: string }[] }[]
        dpias: { reference: string; review_overdue: boolean }[]
      }
    }
    expect(d.governance.retention.kept_for).toBe('P30D')
    const age = Date.now() - Date.parse(d.governance.retention.deleted_before)
    expect(age).toBeGreaterThan(28 * 86_400_000)
    expect(age).toBeLessThan(32 * 86_400_000)
    expect(d.governance.sharing_agreements.map((a) => a.reference)).toEqual(['CAM-DSA-4'])
    expect(d.governance.dpias.map((x) => [x.reference, x.review_overdue])).toEqual([
      ['CAM-DPIA-2', true],
      ['CAM-DPIA-7', false],
    ])
  })
})
