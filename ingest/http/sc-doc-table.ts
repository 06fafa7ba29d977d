/** The Sensor.Community value type table as Markdown, for docs/schema.md (a test keeps the doc equal to this). */
import { SC_VALUE_TYPES, scApiName } from './sc-value-types.js'

export function scValueTypeTableMarkdown(): string {
  const rows = Object.entries(SC_VALUE_TYPES).map(([type, e]) => {
    const api = scApiName(type)
    const stored = e.field ? `\`${e.field}\`${e.scale ? ' (Pa / 100 = hPa)' : ''}` : `not stored: ${e.ignored}`
    return `| \`${type}\` | ${api ? `${api.pin}: \`${api.name}\`` : '—'} | ${e.source} | ${stored} |`
  })
  return [
    '| custom API `value_type` | Sensor.Community API (`X-PIN`: `value_type`) | sensor | stored as |',
    '|---|---|---|---|',
    ...rows,
    "| `interval` | — | firmware | the reading's `interval` (ms / 1000) |",
  ].join('\n')
}
