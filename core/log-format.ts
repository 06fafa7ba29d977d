/**
 * Log lines for a person at a terminal: pino writes one JSON object per line, which is right for
 * journald, files and log shippers and hard to read live. When stdout is a TTY (or
 * STREETSENSE_LOG_FORMAT=pretty) each line becomes
 *
 *   14:03:07 INFO  broker: broker listening ports={"mqtt":1883,"metrics":9101} persistence=memory
 *
 * Secrets are redacted by pino before a line gets here.
 */

const LEVELS: Record<number, [name: string, colour: number]> = {
  10: ['TRACE', 90],
  20: ['DEBUG', 90],
  30: ['INFO ', 32],
  40: ['WARN ', 33],
  50: ['ERROR', 31],
  60: ['FATAL', 35],
}
/** Fields every line has (shown as the prefix, or not at all). */
const FRAME = new Set(['level', 'time', 'pid', 'hostname', 'name', 'msg', 'v', 'stage', 'service', 'component'])

function value(v: unknown): string {
  if (typeof v === 'string') return /[\s"=]/.test(v) ? JSON.stringify(v) : v
  if (v && typeof v === 'object' && 'message' in v && typeof (v as Error).message === 'string') {
    return JSON.stringify((v as Error).message)
  }
  return JSON.stringify(v)
}

/** One pino JSON line as one human line; a line that is not pino's JSON passes through unchanged. */
export function humanLine(line: string, colour = false): string {
  let o: Record<string, unknown>
  try {
    o = JSON.parse(line) as Record<string, unknown>
  } catch {
    return line
  }
  if (typeof o !== 'object' || o === null || typeof o.level !== 'number') return line
  const [name, code] = LEVELS[o.level] ?? [String(o.level).padEnd(5), 0]
  const time = new Date(typeof o.time === 'number' ? o.time : Date.now()).toTimeString().slice(0, 8)
  const who = [o.stage ?? o.service ?? o.name, o.component].filter(Boolean).join('/')
  const fields = Object.entries(o)
    .filter(([k, v]) => !FRAME.has(k) && v !== undefined)
    .map(([k, v]) => `${k}=${value(v)}`)
  const level = colour ? `\x1b[${code}m${name}\x1b[0m` : name
  return [time, level, `${who ? `${who}: ` : ''}${String(o.msg ?? '')}`, ...fields].join(' ')
}

/** A pino destination that writes human lines to `out`. */
export function humanDestination(out: NodeJS.WritableStream, colour: boolean): { write(chunk: string): void } {
  return {
    write(chunk: string) {
      for (const line of chunk.split('\n')) if (line) out.write(`${humanLine(line, colour)}\n`)
    },
  }
}

/** Human lines when asked (STREETSENSE_LOG_FORMAT=pretty) or when stdout is a terminal and JSON was not asked for. */
export function wantsHumanLogs(env: NodeJS.ProcessEnv = process.env, isTTY = Boolean(process.stdout.isTTY)): boolean {
  const format = env.STREETSENSE_LOG_FORMAT
  if (format === 'pretty') return true
  if (format === 'json') return false
  return isTTY
}
