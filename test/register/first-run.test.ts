/**
 * The page of a sensor minutes old, as a resident sees it on the first run: its readings come in
 * through the ingest's device intake (HTTP, the device's own password) into a real influxd, the
 * newest one flagged as the agent flags it when the clock is not synchronised. The page says
 * there is not enough data for a chart yet (register/pages/thin-data.ts), states completeness
 * since the first reading (not "100% over 30 days"), gives no DAQI yet, and marks the flagged
 * values with the reason in words (the last three from the data-quality work: held here as what
 * a resident sees on the first run).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { basic, type OpenDataIngest, startOpenDataIngest } from '../helpers/open-data-ingest.js'
import { waitFor } from '../helpers/ports.js'

let site: OpenDataIngest
const SENSOR = 'cam-1'
const QUARTER = 15 * 60_000

beforeAll(async () => {
  site = await startOpenDataIngest()
})

afterAll(async () => {
  await site?.close()
})

/** Three one-minute readings in one 15-minute period (so the chart has one point), the newest suspect. */
function firstReadings(now: number) {
  const current = Math.floor(now / QUARTER) * QUARTER
  const start = now - current >= 4 * 60_000 ? current : current - QUARTER
  return [0, 1, 2].map((k) => ({
    sensor: SENSOR,
    borough: 'E09000007',
    kind: 'air',
    time: new Date(start + k * 60_000).toISOString(),
    interval: 60,
    seq: k + 1,
    values: { pm2_5: 9.5 + k, pm10: 15 + k, no2: 31 },
    quality: { grade: 'indicative', status: 'raw', ...(k === 2 ? { flags: ['clock_unsynced'] } : {}) },
  }))
}

async function page(path: string): Promise<string> {
  return (await fetch(`${site.url}${path}`)).text()
}

describe("a new sensor's page", () => {
  it('says what is known when data is thin, and marks the suspect reading', async () => {
    const res = await fetch(`${site.intakeUrl}/v1/readings`, {
      method: 'POST',
      headers: { authorization: basic(site.secrets.device!), 'content-type': 'application/json' },
      body: JSON.stringify({ readings: firstReadings(Date.now()) }),
    })
    expect(res.status).toBe(202)
    await waitFor(
      async () => {
        const detail = (await (await fetch(`${site.url}/v1/sensors/${SENSOR}`)).json()) as { latest: { seq: number }[] }
        return detail.latest[0]?.seq === 3
      },
      30_000,
      'the three readings to be stored',
    )
    const html = await page(`/sensors/${SENSOR}`)

    // The chart: one 15-minute mean draws no line, so the page says so instead.
    expect(html).toMatch(
      /<strong>Not enough data yet<\/strong> for a 24-hour chart: it needs at least two 15-minute means, and this sensor has 1 so far/,
    )
    expect(html).not.toContain('<figure class="chart">')
    // Completeness over what exists: counted since its first reading, not "100% over 30 days".
    expect(html).toMatch(/<p id="completeness">Readings received: [\d.]+% since its first reading/)
    expect(html).not.toMatch(/over the last 30 days/)
    // No index from three minutes of readings: "Not enough data yet", and why.
    expect(html).toMatch(/id="daqi-overall"><strong>Not enough data yet\.<\/strong>/)
    // The newest reading's values are marked, with the reason in words.
    expect(html).toMatch(/<td data-note="pm2_5">A fault in the sensor clock\.<\/td>/)
  })
})
