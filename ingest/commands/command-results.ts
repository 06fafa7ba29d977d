/**
 * A device's answer to a command, from its `result` topic to the commands table. An answer must
 * be a valid CommandResult (schemas/command-result.v1.json) whose sensor and borough are its
 * topic's (the broker lets a device publish only its own topics); it is kept only for a command
 * to that same sensor. Anything else is logged and counted, never stored.
 */
import type { Logger } from 'pino'
import type { CommandLog } from '../../registry/index.js'
import { type CommandResult, parseTopic, validateCommandResult } from '../../schemas/index.js'
import type { CommandMetrics } from './command-metrics.js'

type Read = { ok: true; sensor: string; result: CommandResult } | { ok: false; reason: string }

function readResult(topic: string, payload: Buffer): Read {
  const parts = parseTopic(topic)
  if (parts?.channel !== 'result') return { ok: false, reason: 'not a result topic' }
  let body: unknown
  try {
    body = JSON.parse(payload.toString('utf8'))
  } catch {
    return { ok: false, reason: 'not JSON' }
  }
  const checked = validateCommandResult(body)
  if (!checked.ok) return { ok: false, reason: checked.errors.map((e) => `${e.path} ${e.message}`).join('; ') }
  const result = checked.value
  if (result.sensor !== parts.sensor || result.borough !== parts.borough) {
    return { ok: false, reason: `sensor or borough differs from the topic's (${parts.sensor}, ${parts.borough})` }
  }
  return { ok: true, sensor: parts.sensor, result }
}

export function recordResult(
  deps: { commands: CommandLog; metrics: CommandMetrics; log: Logger },
  topic: string,
  payload: Buffer,
): void {
  const { commands, metrics, log } = deps
  const read = readResult(topic, payload)
  if (!read.ok) {
    metrics.results.inc({ outcome: 'invalid' })
    log.warn({ topic, reason: read.reason, bytes: payload.length }, 'invalid command result ignored')
    return
  }
  const { sensor, result } = read
  let recorded: boolean
  try {
    recorded = commands.recordResult(sensor, result)
  } catch (err) {
    log.error({ err, sensor, id: result.id }, 'could not record a command result')
    return
  }
  metrics.results.inc({ outcome: recorded ? 'recorded' : 'unmatched' })
  const fields = { sensor, id: result.id, status: result.status, reason: result.reason, code: result.code }
  if (recorded) log.info(fields, 'command result')
  else log.info(fields, 'command result for no command of this sensor (or a late accepted): not kept')
}
