/**
 * Several processes write the registry at once (an operator's `sensors add` while the admin API in
 * the ingest registers another sensor). SQLite WAL with busy_timeout should make them wait, not fail.
 */
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { afterAll, describe, expect, it } from 'vitest'
import { addSensor, cli, tempDir } from '../helpers/processes.js'

const run = promisify(execFile)

describe('registry under concurrent writers', () => {
  const data = tempDir('ss-regconc-')
  afterAll(() => data.remove())

  // Regression: write transactions used to be DEFERRED; one that began as a reader could not wait
  // to upgrade to the write lock (busy_timeout does not apply in WAL), so parallel `sensors add`
  // runs failed with SQLITE_BUSY. They now run as BEGIN IMMEDIATE.
  it('parallel `sensors add` processes all succeed', async () => {
    await addSensor(data.dir, 'seed-0', 'E09000007')
    const ids = Array.from({ length: 6 }, (_, i) => `par-${i}`)
    const results = await Promise.allSettled(
      ids.map((id) =>
        run(process.execPath, [
          'bin/streetsense.js',
          'sensors',
          'add',
          '--data-dir',
          data.dir,
          '--json',
          '--id',
          id,
          '--borough',
          'E09000007',
          '--kind',
          'air',
        ]),
      ),
    )
    expect(results.map((r) => r.status)).toEqual(ids.map(() => 'fulfilled'))
    const listed = JSON.parse(await cli(['sensors', 'list', '--data-dir', data.dir, '--json'])) as unknown[]
    expect(listed).toHaveLength(7)
  })
})
