/** What the heartbeat says about the last update, from the updater's state file (real files). */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { updateReport } from '../../../edge/update/report.js'
import { emptyState, type UpdateState, withOutcome, writeUpdateState } from '../../../edge/update/state.js'
import { validateStatus } from '../../../schemas/validate.js'

const dir = mkdtempSync(join(tmpdir(), 'ss-report-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
const file = join(dir, 'update-state.json')
const report = (state: UpdateState) => {
  writeUpdateState(file, state)
  return updateReport(file)
}
const trial = { version: '1.4.0', from: '1.3.2', startedAt: '', deadline: '', updaterPid: 1, bootId: 'b' }

describe('update outcome in the heartbeat', () => {
  it('says nothing without a state file or before any update', () => {
    expect(updateReport(join(dir, 'missing.json'))).toBeUndefined()
    expect(report(emptyState())).toBeUndefined()
  })

  it('reports the version on trial, the healthy one, and the failed one with its reason', () => {
    expect(report({ ...emptyState(), state: 'installed', current: '1.3.2', trial })).toMatchObject({
      state: 'installed',
      version: '1.4.0',
    })
    expect(report({ ...emptyState(), state: 'healthy', current: '1.4.0' })).toMatchObject({
      state: 'healthy',
      version: '1.4.0',
    })
    const rolledBack = withOutcome(
      { ...emptyState(), state: 'rolled_back', current: '1.3.2', lastError: `health check failed: ${'x'.repeat(900)}` },
      { version: '1.4.0', outcome: 'rolled_back' },
    )
    const r = report(rolledBack)!
    expect(r).toMatchObject({
      state: 'rolled_back',
      version: '1.4.0',
      reason: expect.stringMatching(/^health check failed/),
    })
    expect(r.reason!.length).toBe(500)
    // What the agent puts in its heartbeat passes the status schema.
    const status = {
      sensor: 'cam-1',
      borough: 'E09000007',
      time: new Date().toISOString(),
      agent_version: '1.3.2',
      uptime: 1,
      outbox_depth: 0,
      evicted: 0,
      clock_synced: true,
      update: r,
    }
    expect(validateStatus(status).ok).toBe(true)
  })
})
