/**
 * The inbox between agent and updater (edge/update/handoff.ts), on a real directory: a request
 * is taken once and leaves the inbox empty (streetsense-update.path runs the updater while it is
 * not); one that cannot be read, or names a relative path, is kept aside in taken/, not retried.
 */
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { takenDir, takeRequest, writeRequest } from '../../../edge/update/handoff.js'

let dir: string
let inbox: string
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ss-handoff-'))
  inbox = join(dir, 'inbox')
})
afterEach(() => rmSync(dir, { recursive: true, force: true }))

const request = (commandId: string, releaseDir = '/var/lib/streetsense-edge/air/update/1.4.0') => ({
  commandId,
  version: '1.4.0',
  dir: releaseDir,
  sensor: 'camden-aq-0042',
  time: '2026-12-01T10:00:00.000Z',
})

describe('the update inbox', () => {
  it('hands each request over once, oldest name first, and leaves the inbox empty', () => {
    writeRequest(inbox, request('b-2'))
    writeRequest(inbox, request('a-1'))
    expect(takeRequest(inbox)).toEqual(request('a-1'))
    expect(takeRequest(inbox)).toEqual(request('b-2'))
    expect(takeRequest(inbox)).toBeUndefined()
    expect(readdirSync(inbox)).toEqual([])
    expect(readdirSync(takenDir(inbox))).toEqual([])
  })

  it('keeps unreadable requests and relative paths aside instead of installing or retrying them', () => {
    writeRequest(inbox, request('rel', 'releases/../../etc'))
    writeFileSync(join(inbox, 'request-broken.json'), '{not json')
    writeFileSync(join(inbox, 'notes.txt'), 'not a request')
    expect(takeRequest(inbox)).toBeUndefined()
    expect(readdirSync(inbox)).toEqual(['notes.txt'])
    expect(readdirSync(takenDir(inbox)).sort()).toEqual(['request-broken.json', 'request-rel.json'])
  })

  it('finds nothing when there is no inbox yet', () => {
    expect(takeRequest(inbox)).toBeUndefined()
  })
})
