/**
 * The platform the way `npm start` runs it: `streetsense up` in a child process on free ports with
 * a few simulated sensors. Real Chromium opens the register and sees live values, which are read
 * back from InfluxDB; Ctrl-C stops everything; a second run reuses the data, and its live feed
 * carries the fleet's readings.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { launchChromium } from '../helpers/chromium.js'
import { freePort, waitFor } from '../helpers/ports.js'
import { openSse } from '../register/sse.js'

const root = join(import.meta.dirname, '../..')
const dataDir = mkdtempSync(join(tmpdir(), 'streetsense-up-'))
const ARTIFACTS = join(root, 'test-artifacts', 'platform')
const children: ChildProcess[] = []

interface Up {
  proc: ChildProcess
  registerUrl: string
  output: () => string
}

async function startUp(ports: Record<string, number>): Promise<Up> {
  const args = ['bin/streetsense.js', 'up', '--data-dir', dataDir, '--sensors', '3', '--sensor-interval', '3']
  for (const [flag, port] of Object.entries(ports)) args.push(`--${flag}`, String(port))
  const proc = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] })
  children.push(proc)
  let out = ''
  proc.stderr!.on('data', (c: Buffer) => {
    out += c.toString()
  })
  const registerUrl = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`up did not print the register URL:\n${out}`)), 150_000)
    proc.stdout!.on('data', (c: Buffer) => {
      out += c.toString()
      // The register URL is printed on a line of its own once the first readings are stored.
      const line = out.split('\n').find((l) => /^http:\/\/127\.0\.0\.1:\d+\/$/.test(l.trim()))
      if (line) {
        clearTimeout(timer)
        resolve(line.trim())
      }
    })
    proc.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`up exited with ${code}:\n${out}`))
    })
  })
  return { proc, registerUrl, output: () => out }
}

function interrupt(proc: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    proc.once('exit', (code) => resolve(code))
    proc.kill('SIGINT')
  })
}

async function influx(port: number, q: string): Promise<unknown[][]> {
  const res = await fetch(`http://127.0.0.1:${port}/query?${new URLSearchParams({ db: 'streetsense', q })}`)
  const body = (await res.json()) as { results: { series?: { values: unknown[][] }[] }[] }
  return body.results[0]?.series?.[0]?.values ?? []
}

afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL')
  rmSync(dataDir, { recursive: true, force: true })
})

describe('streetsense up (npm start)', () => {
  it('serves a live register whose values are the ones stored in InfluxDB, stops on Ctrl-C and restarts on the same data', async () => {
    const ports = {
      'http-port': await freePort(),
      'intake-port': await freePort(),
      'ingest-ops-port': await freePort(),
      'mqtt-port': await freePort(),
      'broker-metrics-port': await freePort(),
      'influx-port': await freePort(),
    }
    const up = await startUp(ports)
    expect(up.output()).toMatch(/3 simulated street sensors are publishing/)
    // The service log and the data files are the platform user's alone.
    expect((statSync(join(dataDir, 'platform.log')).mode & 0o777).toString(8)).toBe('600')
    expect((statSync(join(dataDir, 'registry.sqlite')).mode & 0o777).toString(8)).toBe('600')

    mkdirSync(ARTIFACTS, { recursive: true })
    const browser = await launchChromium()
    try {
      const page = await browser.context.newPage()
      await page.goto(up.registerUrl)
      const listed = page.locator('li[data-sensor]')
      expect(await listed.count()).toBe(3)
      // On the map each sensor has its own marker or is counted in a cluster.
      const onMap = await page.$$eval('#london-map a.marker, #london-map a.cluster', (links) =>
        links.reduce((n, a) => n + Number(a.getAttribute('data-count') ?? 1), 0),
      )
      expect(onMap).toBe(3)
      await page.screenshot({ path: join(ARTIFACTS, 'register.png') })

      // A click on the first air sensor opens its page with live values.
      await page.locator('li[data-sensor="demo-aq-001"] a').first().click()
      await page.waitForURL(/\/sensors\/demo-aq-001$/)
      const shown = (await page.locator('td[data-field="pm2_5"]').textContent())?.trim()
      expect(shown).toMatch(/^\d+(\.\d)?$/)
      await page.screenshot({ path: join(ARTIFACTS, 'sensor.png'), fullPage: true })

      // The same value is in InfluxDB: the page shows one of this sensor's stored PM2.5 readings.
      const stored = await influx(ports['influx-port'], "SELECT pm2_5 FROM air WHERE sensor = 'demo-aq-001'")
      expect(stored.length).toBeGreaterThan(0)
      const storedShown = stored.map((row) => Number(row[1]).toFixed(1))
      expect(storedShown).toContain(Number(shown).toFixed(1))
    } finally {
      await browser.close()
    }

    const before = (await influx(ports['influx-port'], 'SELECT count(seq) FROM air'))[0]?.[1] as number
    expect(before).toBeGreaterThan(0)
    expect(await interrupt(up.proc)).toBe(0)
    // Ctrl-C stopped InfluxDB and the servers it started: their ports refuse connections.
    await expect(fetch(`http://127.0.0.1:${ports['influx-port']}/ping`)).rejects.toThrow()
    await expect(fetch(`http://127.0.0.1:${ports['http-port']}/healthz`)).rejects.toThrow()
    await expect(fetch(`http://127.0.0.1:${ports['ingest-ops-port']}/healthz`)).rejects.toThrow()

    // A second run reuses the registry, the credentials and the stored readings.
    const again = await startUp(ports)
    const after = (await influx(ports['influx-port'], 'SELECT count(seq) FROM air'))[0]?.[1] as number
    expect(after).toBeGreaterThanOrEqual(before)
    const sensors = (await (await fetch(`${again.registerUrl}v1/sensors`)).json()) as { count: number }
    expect(sensors.count).toBe(3)
    // The register's live feed subscribes to the broker with the live-reader account up made.
    const feed = await openSse(`${again.registerUrl}v1/live`)
    try {
      expect(feed.status).toBe(200)
      await waitFor(() => feed.events.some((e) => e.event === 'reading'), 60_000, 'a reading on the live feed')
    } finally {
      feed.close()
    }
    expect(await interrupt(again.proc)).toBe(0)
  })
})
