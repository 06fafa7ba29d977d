/**
 * README's "a node in three commands", run as written while `streetsense up` (npm start) runs in
 * the same folder: the commands are read from README.md, and only `npx streetsense` (this
 * checkout's bin/streetsense.js) and the MQTT port (a free one, not 1883) are substituted. The
 * node's readings must reach its page on the register, and the password may only be written
 * under .data/ (git-ignored), in files only their owner can read.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process'
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, describe, expect, it } from 'vitest'
import { freePort, waitFor } from '../helpers/ports.js'
import { tempDir } from '../helpers/processes.js'

const root = join(import.meta.dirname, '../..')
const CLI = join(root, 'bin', 'streetsense.js')
const folder = tempDir('ss-readme-')
const children: ChildProcess[] = []

afterAll(async () => {
  for (const c of children.reverse()) {
    if (c.exitCode !== null || c.signalCode !== null) continue
    const exited = new Promise((resolve) => c.once('exit', resolve))
    c.kill('SIGINT')
    await exited
  }
  folder.remove()
})

/** The shell block that follows README's "A node in three commands" paragraph. */
function readmeNodeCommands(): string[] {
  const readme = readFileSync(join(root, 'README.md'), 'utf8')
  const at = readme.indexOf('A node in three commands')
  expect(at).toBeGreaterThan(0)
  const block = /```sh\n([\s\S]*?)```/.exec(readme.slice(at))![1]!
  return block.trim().split('\n')
}

function spawnIn(cwd: string, args: string[]): { proc: ChildProcess; output: () => string } {
  const proc = spawn(process.execPath, [CLI, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] })
  children.push(proc)
  let out = ''
  proc.stdout!.on('data', (c: Buffer) => {
    out += c.toString()
  })
  proc.stderr!.on('data', (c: Buffer) => {
    out += c.toString()
  })
  return { proc, output: () => out }
}

/** Every file under `dir`, as paths relative to it. */
function filesUnder(dir: string, prefix = ''): string[] {
  return readdirSync(join(dir, prefix), { withFileTypes: true }).flatMap((d) =>
    d.isDirectory() ? filesUnder(dir, join(prefix, d.name)) : [join(prefix, d.name)],
  )
}

describe("README's node in three commands, against `npm start`", () => {
  it("gets the node's readings onto its register page; its secrets stay under .data/", async () => {
    const ports = { http: await freePort(), mqtt: await freePort() }
    const up = spawnIn(folder.dir, [
      'up',
      '--sensors',
      '1',
      '--sensor-interval',
      '5',
      '--http-port',
      String(ports.http),
      '--mqtt-port',
      String(ports.mqtt),
      '--broker-metrics-port',
      String(await freePort()),
      '--intake-port',
      String(await freePort()),
      '--ingest-ops-port',
      String(await freePort()),
      '--influx-port',
      String(await freePort()),
    ])
    await waitFor(() => /streetsense is up/.test(up.output()), 180_000, `up to start:\n${up.output()}`)

    const commands = readmeNodeCommands()
    expect(commands).toHaveLength(3)
    const asRun = commands.map((c) => {
      expect(c.startsWith('npx streetsense ')).toBe(true)
      return c.replace('mqtt://127.0.0.1:1883', `mqtt://127.0.0.1:${ports.mqtt}`).slice('npx streetsense '.length)
    })
    const sh = (line: string) =>
      promisify(execFile)('sh', ['-c', `"${process.execPath}" "${CLI}" ${line}`], { cwd: folder.dir })
    const added = await sh(asRun[0]!)
    expect(added.stdout).toMatch(/registered camden-aq-0042 \(E09000007 air\)/)
    expect(added.stdout).not.toMatch(/password:/i)
    await sh(asRun[1]!)
    const run = spawnIn(folder.dir, asRun[2]!.split(' '))

    // The node publishes once a minute; its page shows a PM2.5 value once one is stored.
    const page = `http://127.0.0.1:${ports.http}/sensors/camden-aq-0042`
    const pm25 = async () => {
      const html = await (await fetch(page)).text()
      return /<td data-field="pm2_5"[^>]*>(\d+(\.\d)?)<\/td>/.exec(html)?.[1]
    }
    await waitFor(async () => (await pm25()) !== undefined, 150_000, `a reading on ${page}:\n${run.output()}`)
    expect(Number(await pm25())).toBeGreaterThanOrEqual(0)

    // Nothing was written outside .data/, and the files with the password are the owner's only.
    expect(filesUnder(folder.dir).filter((f) => !f.startsWith('.data/'))).toEqual([])
    for (const f of ['.data/node/node.json', '.data/node/node.yaml']) {
      expect(statSync(join(folder.dir, f)).mode & 0o077, f).toBe(0)
    }
  }, 360_000)
})
