/** `streetsense fleet keygen|release|verify` as a release manager runs them (real CLI, child processes). */
import { execFile } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'

const dir = mkdtempSync(join(tmpdir(), 'ss-fleet-cli-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

function fleet(args: string[]): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['bin/streetsense.js', 'fleet', ...args], { timeout: 60_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, out: stdout, err: stderr }),
    )
  })
}

const key = join(dir, 'keys', 'release.key')
const release = (kind: string, version: string, out: string, file: string, extra: string[] = []) =>
  fleet(['release', '--key', key, '--kind', kind, '--version', version, '--out', out, ...extra, file])

describe('streetsense fleet (CLI)', () => {
  it('makes keys, signs a release, verifies it, and refuses what a node would refuse', async () => {
    const keygen = await fleet(['keygen', '--out', join(dir, 'keys')])
    expect(keygen).toMatchObject({
      code: 0,
      out: expect.stringMatching(/public key .*release\.pub \(key id [0-9a-f]{16}\)/),
    })
    expect(statSync(join(dir, 'keys', 'release.key')).mode & 0o777).toBe(0o600)
    expect(statSync(join(dir, 'keys')).mode & 0o777).toBe(0o700)
    expect((await fleet(['keygen', '--out', join(dir, 'keys')])).err).toMatch(
      /IOT_EDGE_UPDATE_KEY: .* exists; not overwriting/,
    )

    const hex = join(dir, 'fw-2.5.0.hex')
    writeFileSync(hex, ':00000001FF\n')
    const firmware = ['--board', 'uno', '--firmata-name', 'StandardFirmata.ino', '--firmata-version', '2.5']
    const out = join(dir, 'fw-release')
    const made = await release('firmware', '2.5.0', out, hex, firmware)
    expect(made).toMatchObject({ code: 0, out: expect.stringMatching(/^release firmware 2\.5\.0 in /) })
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'))
    expect(manifest).toMatchObject({ kind: 'firmware', version: '2.5.0', file: 'fw-2.5.0.hex', length: 12 })
    expect(manifest.firmware).toEqual({ board: 'uno', name: 'StandardFirmata.ino', major: 2, minor: 5 })

    const pub = join(dir, 'keys', 'release.pub')
    expect(await fleet(['verify', '--pubkey', pub, out])).toMatchObject({
      code: 0,
      out: expect.stringMatching(/^valid: firmware 2\.5\.0/),
    })
    expect(await fleet(['verify', '--pubkey', pub, '--installed', '2.5.0', out])).toMatchObject({
      code: 1,
      err: expect.stringMatching(/not newer: 2\.5\.0 is equal to the installed 2\.5\.0/),
    })
    expect(await fleet(['verify', '--pubkey', pub, '--kind', 'agent', out])).toMatchObject({
      code: 1,
      err: expect.stringMatching(/wrong kind/),
    })
    writeFileSync(join(out, 'fw-2.5.0.hex'), ':00000001FE\n')
    expect(await fleet(['verify', '--pubkey', pub, out])).toMatchObject({
      code: 1,
      err: expect.stringMatching(/wrong hash/),
    })
  })

  it('names the option at fault (exit 2)', async () => {
    const payload = join(dir, 'agent.tar.gz')
    writeFileSync(payload, 'x')
    const bad = await release('agent', 'one', join(dir, 'x'), payload)
    expect(bad).toMatchObject({
      code: 2,
      err: expect.stringMatching(/IOT_USAGE: --version one is not a semantic version/),
    })
    const kind = await release('os', '1.0.0', join(dir, 'y'), payload)
    expect(kind.err).toMatch(/--kind must be one of agent, firmware/)
    const fw = await release('firmware', '1.0.0', join(dir, 'z'), payload, ['--firmata-version', '2'])
    expect(fw.err).toMatch(/--firmata-version must be MAJOR.MINOR/)
    const noKey = await fleet(['verify', '--pubkey', join(dir, 'nope.pub'), join(dir, 'fw-release')])
    expect(noKey).toMatchObject({ code: 2, err: expect.stringMatching(/IOT_EDGE_UPDATE_KEY: cannot read key file/) })
  })
})
