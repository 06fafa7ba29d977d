/** The field mapping table as Markdown, for docs/register.md (a test keeps the doc equal to this). */
import { FIELD_MAPPINGS } from './mappings.js'

export function mappingTableMarkdown(): string {
  const rows = FIELD_MAPPINGS.map((m) =>
    [
      `\`${m.field}\``,
      m.kind,
      m.label,
      m.unit,
      `\`${m.ucum}\``,
      m.fiware ? `\`${m.fiware}\`` : '—',
      `\`${m.unitCode}\``,
      String(m.fiwareScale),
      m.vehicleType ?? '',
      m.observationType,
      m.aggregate,
      m.note ?? '',
    ].join(' | '),
  )
  return [
    '| field | kind | label | unit | UCUM | FIWARE attribute | unitCode | × | vehicleType | STA observationType | aggregate | note |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|',
    ...rows.map((r) => `| ${r} |`),
  ].join('\n')
}
