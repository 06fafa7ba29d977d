/** RFC 4180 CSV: quote fields that need it, CRLF line ends; cells starting with = + - @ are prefixed against spreadsheet formula injection. */
export function csvCell(value: unknown): string {
  if (value === undefined || value === null) return ''
  let s = typeof value === 'object' ? JSON.stringify(value) : String(value)
  if (typeof value === 'string' && /^[=+\-@]/.test(s)) s = `'${s}`
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s
}

export function csvLine(cells: readonly unknown[]): string {
  return `${cells.map(csvCell).join(',')}\r\n`
}

export function toCsv(header: readonly string[], rows: readonly (readonly unknown[])[]): string {
  return csvLine(header) + rows.map(csvLine).join('')
}
