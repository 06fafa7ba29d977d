/** `streetsense quarantine list`: the messages the ingest rejected, newest first. */
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import type { Command } from 'commander'
import { openQuarantine } from '../../ingest/index.js'

export function registerQuarantineCommand(program: Command): void {
  const quarantine = program.command('quarantine').description('Inspect messages the ingest rejected')
  quarantine
    .command('list')
    .description('List rejected messages with reason, schema, sensor, topic, time and raw payload')
    .option(
      '--data-dir <dir>',
      'the ingest data directory; env STREETSENSE_DATA_DIR',
      process.env.STREETSENSE_DATA_DIR || '.data',
    )
    .option('--sensor <id>', 'only this sensor')
    .option('--limit <n>', 'at most n rows', '50')
    .option('--json', 'one JSON document')
    .action((opts: { dataDir: string; sensor?: string; limit: string; json?: boolean }) => {
      const limit = Number.parseInt(opts.limit, 10)
      if (!Number.isInteger(limit) || limit < 1) {
        console.error('error: --limit must be a positive integer')
        process.exitCode = 1
        return
      }
      if (!existsSync(join(opts.dataDir, 'ingest-quarantine.sqlite'))) {
        if (opts.json) console.log(JSON.stringify({ count: 0, items: [] }))
        else console.log(`no quarantine in ${opts.dataDir} (the ingest has rejected nothing there)`)
        return
      }
      const q = openQuarantine(opts.dataDir, { maxRows: Number.MAX_SAFE_INTEGER, maxAgeDays: 36500, readonly: true })
      const items = q.list({ sensor: opts.sensor, limit })
      q.close()
      if (opts.json) {
        console.log(JSON.stringify({ count: items.length, items }, null, 2))
        return
      }
      if (items.length === 0) console.log('quarantine is empty')
      for (const r of items) {
        console.log(`#${r.id} ${r.time} ${r.code} sensor=${r.sensor ?? '-'} topic=${r.topic ?? '-'}`)
        console.log(`  reason: ${r.reason}`)
        for (const e of r.errors ?? []) console.log(`  ${e.path}: ${e.message}`)
        console.log(`  schema: ${r.schema}`)
        console.log(`  raw: ${r.raw.length > 300 ? `${r.raw.slice(0, 300)}…` : r.raw}`)
        if (r.truncated > 0) console.log(`  size: ${r.size} bytes, of which the first ${r.size - r.truncated} are kept`)
      }
    })
}
