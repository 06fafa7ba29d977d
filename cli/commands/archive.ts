/**
 * `streetsense archive build`: the monthly archive files of each borough (gzipped CSV and
 * Parquet, with SHA-256 checksums and an index) from InfluxDB, into the directory the register
 * serves under /archives/. Run it from cron or a systemd timer after the 2nd of each month
 * (docs/operations.md); building a month again replaces its files.
 */
import { join } from 'node:path'
import type { Command } from 'commander'
import { addSettingOptions, loadSettings, settingsOrExit } from '../../core/index.js'
import {
  type ArchiveSettings,
  ArchiveSettingsSchema,
  buildArchives,
  createInfluxStreamer,
  influxReadConfig,
  previousMonth,
  qualityJudge,
} from '../../register/index.js'
import { openRegistry } from '../../registry/index.js'
import { BOROUGHS } from '../../schemas/index.js'

export function registerArchiveCommand(program: Command): void {
  const archive = program.command('archive').description('Monthly archive files of the open readings, per borough')
  const build = archive
    .command('build')
    .description('Build one month of archives from InfluxDB (by default last month)')
  addSettingOptions(build, ArchiveSettingsSchema).action(async (opts: Record<string, unknown>) => {
    const s = settingsOrExit(() => loadSettings<ArchiveSettings>(ArchiveSettingsSchema, opts))
    if (!s) return
    const registry = openRegistry(s.dataDir)
    try {
      const influx = createInfluxStreamer(influxReadConfig(s))
      const now = Date.now()
      const built = await buildArchives({
        entries: registry.listSensors().map((r) => r.entry),
        influx,
        dir: s.archiveDir ?? join(s.dataDir, 'archives'),
        month: s.month ?? previousMonth(now),
        boroughs: s.boroughs.length > 0 ? [...s.boroughs] : Object.keys(BOROUGHS),
        judge: qualityJudge(registry).judge,
        formats: s.formats.filter((f): f is 'csv' | 'parquet' => f === 'csv' || f === 'parquet'),
        now,
      })
      for (const f of built) console.log(JSON.stringify(f))
      console.log(JSON.stringify({ event: 'archives built', files: built.length }))
    } catch (err) {
      console.error(`error: ${(err as Error).message}`)
      process.exitCode = 1
    } finally {
      registry.close()
    }
  })
}
