/**
 * The Arduino tier with a flash as real as emulation allows: an Uno emulated by avr8js with
 * Optiboot built from Debian's arduino-core-avr sources (see helpers/avr-optiboot.ts for what
 * the emulator adds: self-programming, resets, a DTR stand-in), on a socat pty; unmodified
 * avrgirl-arduino flashes over the pty, and firmata-io asks the board what it runs. Proves: a
 * signed firmware release is flashed and the board reports the promised name and version; a
 * flash cut off mid-way (cable pulled after 40 pages) is retried and succeeds; a release whose
 * firmware never answers as promised is retried, then the previous firmware goes back on and
 * answers again; wrong-board and older releases are refused without touching the board.
 */

import { readFileSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import pino from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { avrgirlTools, type FirmwareContext, installFirmware } from '../../../edge/update/firmware.js'
import { generateReleaseKeys, loadPrivateKey, loadPublicKey } from '../../../edge/update/keys.js'
import { createRelease, type FirmwareIdentity } from '../../../edge/update/manifest.js'
import { readUpdateState } from '../../../edge/update/state.js'
import { tempDir } from '../../helpers/processes.js'
import { buildOptiboot, renamedFirmata } from '../helpers/avr-hex.js'
import { type BootloaderUno, startBootloaderUno } from '../helpers/avr-optiboot.js'
import { loadHex, unoFirmataHexPath } from '../helpers/avr-uno.js'
import { type PtyPair, startPtyPair } from '../helpers/pty.js'

const require = createRequire(import.meta.url)
const tmp = tempDir('ss-firmware-')
const dir = tmp.dir
let pty: PtyPair
let uno: BootloaderUno
let ctx: FirmwareContext
let originalSetDTR: unknown
// The emulated chip runs at real time only while the machine has a core to spare: on a 2-core CI
// machine running other test files beside this one it can be starved for seconds, so the
// programmer waits up to 20 s per reply instead of an Uno's 400 ms (a cut cable costs 20 s).
const tools = avrgirlTools({ replyTimeoutMs: 20_000 })
const blinkHex = join(unoFirmataHexPath(), '..', 'Blink.cpp.hex')
// Erased flash reads 0xff.
/**
 * The bytes a hex programs, from 0 to its last data record. Optiboot 4.4 always writes whole
 * 128-byte pages from its RAM buffer, so the tail of the last page holds stale bytes, on a real
 * chip as here: only the programmed range is compared.
 */
function programmed(hexPath: string): Uint8Array {
  const text = readFileSync(hexPath, 'utf8')
  let end = 0
  for (const m of text.matchAll(/^:([0-9A-F]{2})([0-9A-F]{4})00/gim))
    end = Math.max(end, parseInt(m[2]!, 16) + parseInt(m[1]!, 16))
  return loadHex(text, 0xff).subarray(0, end)
}
const runs = (hexPath: string) => {
  const want = programmed(hexPath)
  const at = uno.app().findIndex((v, i) => i < want.length && v !== want[i])
  return at < 0 ? 'the whole hex' : `a difference at 0x${at.toString(16)}`
}

function release(name: string, version: string, payload: string, firmware: Partial<FirmwareIdentity> = {}) {
  const out = join(dir, 'releases', name)
  const identity = { board: 'uno', name: 'StandardFirmata.ino', major: 2, minor: 4, ...firmware }
  createRelease({
    kind: 'firmware',
    version,
    payload,
    out,
    privateKey: loadPrivateKey(join(dir, 'keys', 'release.key'), ''),
    firmware: identity,
  })
  return out
}

beforeAll(async () => {
  generateReleaseKeys(join(dir, 'keys'), 'release', '')
  const optiboot = await buildOptiboot(dir)
  pty = await startPtyPair(dir, 'uno')
  // The board starts with a sketch that is not Firmata (Blink), so a working flash shows.
  uno = await startBootloaderUno(pty.sensorPath, optiboot, blinkHex)
  // A pty has no DTR line: where avrgirl would pulse DTR, reset the emulated board.
  const Connection = require('avrgirl-arduino/lib/connection')
  originalSetDTR = Connection.prototype._setDTR
  Connection.prototype._setDTR = (assert: boolean, ms: number, done: (err?: Error) => void) => {
    if (assert) uno.reset()
    setTimeout(() => done(), ms)
  }
  ctx = {
    publicKey: loadPublicKey(join(dir, 'keys', 'release.pub')),
    port: pty.agentPath,
    board: 'uno',
    stateFile: join(dir, 'state', 'update-state.json'),
    firmwareDir: join(dir, 'state', 'firmware'),
    logger: pino({ level: 'silent' }),
    identifyTimeoutMs: 20_000,
    tools,
  }
}, 120_000)

afterAll(async () => {
  require('avrgirl-arduino/lib/connection').prototype._setDTR = originalSetDTR
  await uno?.stop()
  await pty?.kill()
  tmp.remove()
})

describe('firmware tier: flash a signed release, check what the board answers', { timeout: 300_000 }, () => {
  it('flashes StandardFirmata onto a board running Blink; the board answers with the promised identity', async () => {
    expect(runs(blinkHex)).toBe('the whole hex')
    const outcome = await installFirmware(release('fw-240', '2.4.0', unoFirmataHexPath()), ctx)
    expect(outcome).toEqual({
      outcome: 'healthy',
      version: '2.4.0',
      reported: 'StandardFirmata.ino 2.4',
      attempts: ['ok'],
    })
    expect(runs(unoFirmataHexPath())).toBe('the whole hex')
    expect(readUpdateState(ctx.stateFile).firmware).toMatchObject({ state: 'healthy', version: '2.4.0' })
  })

  it('retries a flash cut off mid-way and succeeds', async () => {
    const renamed = join(dir, 'streetsense-fw.hex')
    writeFileSync(renamed, renamedFirmata(unoFirmataHexPath(), 'StreetsenseFirm.ino'))
    uno.cutAfterPages(40)
    // The cable goes back in after the failed attempt.
    const cable = {
      ...tools,
      flash: (hex: string, t: { board: string; port: string }) => tools.flash(hex, t).finally(() => uno.reconnect()),
    }
    const outcome = await installFirmware(release('fw-250', '2.5.0', renamed, { name: 'StreetsenseFirm.ino' }), {
      ...ctx,
      tools: cable,
    })
    expect(outcome, JSON.stringify(outcome)).toMatchObject({ outcome: 'healthy', reported: 'StreetsenseFirm.ino 2.4' })
    expect(outcome.attempts).toHaveLength(2)
    expect(outcome.attempts[0]).not.toBe('ok')
    expect(outcome.attempts[1]).toBe('ok')
    expect(runs(renamed)).toBe('the whole hex')
  })

  it('reads every page back: a chip that did not take the write fails the flash (avrgirl alone says OK)', async () => {
    const before = Buffer.from(uno.app())
    uno.ignoreWrites(true)
    try {
      await expect(tools.flash(unoFirmataHexPath(), { board: 'uno', port: pty.agentPath })).rejects.toThrow(
        /read-back differs from what was written/,
      )
    } finally {
      uno.ignoreWrites(false)
    }
    expect(Buffer.from(uno.app()).equals(before)).toBe(true)
  })

  it('goes back to the previous firmware when the new one never answers as promised', async () => {
    // A broken build: it flashes fine but is not Firmata at all.
    const outcome = await installFirmware(release('fw-260', '2.6.0', blinkHex), ctx)
    expect(outcome.outcome).toBe('rolled_back')
    expect(outcome.previous).toBe('2.5.0')
    expect(outcome.reported).toBe('StreetsenseFirm.ino 2.4')
    expect(outcome.attempts).toEqual([
      expect.stringMatching(/no Firmata answer/),
      expect.stringMatching(/no Firmata answer/),
      'ok',
    ])
    expect(outcome.reason).toMatch(/^firmware 2\.6\.0 failed 2 attempts: no Firmata answer/)
    expect(readUpdateState(ctx.stateFile).firmware).toMatchObject({
      state: 'rolled_back',
      version: '2.5.0',
      lastError: outcome.reason,
    })
  })

  it('refuses a release for another board and an older one, without touching the board', async () => {
    const before = Buffer.from(uno.app())
    const resets = uno.resets.length
    await expect(
      installFirmware(release('fw-mega', '3.0.0', unoFirmataHexPath(), { board: 'mega' }), ctx),
    ).rejects.toThrow(/wrong board: the release is for mega, this node has uno/)
    await expect(installFirmware(release('fw-old', '2.4.1', unoFirmataHexPath()), ctx)).rejects.toThrow(
      /not newer: 2\.4\.1 is older than the installed 2\.5\.0/,
    )
    expect(Buffer.from(uno.app()).equals(before)).toBe(true)
    expect(uno.resets.length).toBe(resets)
  })
})
