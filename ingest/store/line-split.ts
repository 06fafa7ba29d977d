/**
 * Reading line protocol back: the writer splits a refused body into points and names each
 * point's sensor in the quarantine. Only on that rare path; bodies are never split otherwise.
 */

/** The sensor tag of a line we built, for quarantining a line InfluxDB refused. */
export function sensorOfLine(line: string): string | undefined {
  const head = line.slice(0, line.search(/(?<!\\) /) + 1 || undefined)
  const m = /,sensor=((?:\\[, =]|[^, ])*)/.exec(head)
  return m?.[1]?.replace(/\\([, =])/g, '$1')
}

/**
 * Splits joined points back into lines. A newline inside a quoted string field belongs to its
 * point (influxd's scanLine rule), so when a plain split finds more parts than points were
 * joined, the text is scanned with that rule.
 */
export function splitLines(text: string, count: number): string[] {
  const parts = text.split('\n')
  if (parts.length === count) return parts
  const lines: string[] = []
  let start = 0
  let quoted = false
  let inFields = false
  let equals = 0
  let commas = 0
  for (let i = 0; i < text.length; i++) {
    const c = text[i]
    if (c === '\\') {
      i++
      continue
    }
    if (c === ' ' && !quoted) inFields = true
    else if (inFields && !quoted && c === '=') equals++
    else if (inFields && !quoted && c === ',') commas++
    else if (c === '"' && inFields && equals > commas) quoted = !quoted
    else if (c === '\n' && !quoted) {
      lines.push(text.slice(start, i))
      start = i + 1
      inFields = false
      equals = 0
      commas = 0
    }
  }
  lines.push(text.slice(start))
  return lines
}
