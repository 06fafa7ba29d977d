/**
 * The one CSV writer of every streetsense CSV (the register export of `sensors export`, the public
 * register, readings and daily exports): RFC 4180 quoting and CRLF line ends, and a guard against
 * spreadsheet formula injection. A text cell that a spreadsheet would read as a formula (one that
 * starts with = + - @, a tab or a carriage return, also after leading spaces) gets a leading `'`,
 * which spreadsheets show as text; so does a text cell that already starts with such quotes, so
 * that `fromCsvCell` undoes exactly what `csvCell` did. Numbers are written as they are (-0.13 is
 * a longitude, not a formula).
 */

const FORMULA = /^'* *[=+\-@\t\r]/
const ESCAPED = /^'+ *[=+\-@\t\r]/

export function csvCell(value: unknown): string {
  if (value === undefined || value === null) return ''
  let s = typeof value === 'object' ? JSON.stringify(value) : String(value)
  if (typeof value !== 'number' && typeof value !== 'bigint' && FORMULA.test(s)) s = `'${s}`
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s
}

/** A cell read back from a CSV this module wrote: without the guard `csvCell` added. */
export function fromCsvCell(cell: string): string {
  return ESCAPED.test(cell) ? cell.slice(1) : cell
}

export function csvLine(cells: readonly unknown[]): string {
  return `${cells.map(csvCell).join(',')}\r\n`
}

export function toCsv(header: readonly string[], rows: readonly (readonly unknown[])[]): string {
  return csvLine(header) + rows.map(csvLine).join('')
}
