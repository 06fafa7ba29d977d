/**
 * Register entries as CSV (one row per sensor) for spreadsheets: nested fields are flattened
 * (location -> lon, lat; operator.* -> operator_*; lists joined with ';'). Import fills gaps
 * with the same defaults as `sensors add`.
 */
import { csvLine, fromCsvCell } from '../core/index.js'
import type { RegisterEntry } from '../schemas/index.js'
import { buildEntry } from './defaults.js'

export const CSV_COLUMNS = [
  'id', 'borough', 'kind', 'name', 'lon', 'lat', 'address', 'uprn', 'usrn',
  'operator_name', 'operator_email', 'operator_url', 'operator_phone', 'purpose', 'measures', 'technology',
  'personal_data', 'legal_basis', 'dpia_url', 'privacy_notice_url', 'retention', 'licence', 'sharing',
  'data_grade', 'hardware_manufacturer', 'hardware_model', 'hardware_sensors', 'installed', 'active_until', 'status',
] as const // biome-ignore format: one list, read as a table header

/** An entry's cells by column: text as text, numbers as numbers (csvCell guards text only). */
export function entryToRow(e: RegisterEntry): Record<string, string | number | undefined> {
  const row: Record<string, unknown> = {
    ...e,
    lon: e.location.coordinates[0],
    lat: e.location.coordinates[1],
    operator_name: e.operator.name,
    operator_email: e.operator.email,
    operator_url: e.operator.url,
    operator_phone: e.operator.phone,
    measures: e.measures.join(';'),
    hardware_manufacturer: e.hardware?.manufacturer,
    hardware_model: e.hardware?.model,
    hardware_sensors: e.hardware?.sensors?.join(';'),
  }
  return Object.fromEntries(
    CSV_COLUMNS.map((c) => [c, typeof row[c] === 'number' || row[c] === undefined ? row[c] : String(row[c])]),
  ) as Record<string, string | number | undefined>
}

export function toCsv(entries: RegisterEntry[]): string {
  const rows = entries.map((e) => {
    const row = entryToRow(e)
    return csvLine(CSV_COLUMNS.map((c) => row[c]))
  })
  return csvLine(CSV_COLUMNS) + rows.join('')
}

/** RFC 4180 parser: quoted fields, doubled quotes, CRLF or LF. Returns rows of cells. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = []
  let row: string[] = []
  let cell = ''
  let quoted = false
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        cell += '"'
        i++
      } else if (ch === '"') quoted = false
      else cell += ch
    } else if (ch === '"') quoted = true
    else if (ch === ',') {
      row.push(cell)
      cell = ''
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++
      row.push(cell)
      rows.push(row)
      row = []
      cell = ''
    } else cell += ch
  }
  if (cell !== '' || row.length > 0) {
    row.push(cell)
    rows.push(row)
  }
  return rows.filter((r) => r.some((c) => c.trim() !== ''))
}

const list = (v: string | undefined) =>
  v
    ? v
        .split(';')
        .map((s) => s.trim())
        .filter(Boolean)
    : undefined
const num = (v: string | undefined) => (v ? Number(v) : undefined)

/** CSV text -> entry objects (not validated here: the registry validates and names row and field). */
export function entriesFromCsv(text: string): Record<string, unknown>[] {
  const [header, ...rows] = parseCsv(text.replace(/^\uFEFF/, ''))
  if (!header) return []
  const names = header.map((h) => h.trim())
  return rows.map((cells) => {
    const r: Record<string, string | undefined> = {}
    names.forEach((n, i) => {
      const v = cells[i] === undefined ? undefined : fromCsvCell(cells[i]!).trim()
      if (v) r[n] = v
    })
    const entry = buildEntry({
      id: r.id ?? '',
      borough: r.borough ?? '',
      kind: r.kind ?? '',
      name: r.name,
      lon: num(r.lon),
      lat: num(r.lat),
      address: r.address,
      operator: r.operator_name,
      email: r.operator_email,
      purpose: r.purpose,
      measures: list(r.measures),
      personalData: r.personal_data,
      legalBasis: r.legal_basis,
      dpiaUrl: r.dpia_url,
      retention: r.retention,
      licence: r.licence,
      sharing: r.sharing,
      grade: r.data_grade,
      installed: r.installed,
      status: r.status,
    })
    const operator = entry.operator as Record<string, unknown>
    if (r.operator_url) operator.url = r.operator_url
    if (r.operator_phone) operator.phone = r.operator_phone
    for (const k of ['uprn', 'usrn', 'technology', 'privacy_notice_url', 'active_until'] as const) {
      if (r[k]) entry[k] = r[k]
    }
    if (r.hardware_manufacturer || r.hardware_model || r.hardware_sensors) {
      entry.hardware = {
        ...(r.hardware_manufacturer ? { manufacturer: r.hardware_manufacturer } : {}),
        ...(r.hardware_model ? { model: r.hardware_model } : {}),
        ...(r.hardware_sensors ? { sensors: list(r.hardware_sensors) } : {}),
      }
    }
    return entry
  })
}
