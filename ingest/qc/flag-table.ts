/** The QC flag catalogue as Markdown, for docs/data-quality.md (a test keeps the doc equal to this). */
import { FLAG_CATALOGUE } from './catalogue.js'

export function flagTableMarkdown(): string {
  const rows = FLAG_CATALOGUE.map((f) =>
    [
      f.flag
        .split(', ')
        .map((name) => `\`${name}\``)
        .join(', '),
      f.rule,
      f.severity,
      f.values,
      f.threshold,
      f.source,
    ].join(' | '),
  )
  return [
    '| flag | rule | effect | values | threshold | source |',
    '|---|---|---|---|---|---|',
    ...rows.map((r) => `| ${r} |`),
  ].join('\n')
}
