/** Who the audit trail names for a governance command run on the server: `cli:<login name>`. */
import { userInfo } from 'node:os'
import { StreetsenseError } from '../../../core/index.js'

export function cliActor(): string {
  try {
    return `cli:${userInfo().username}`
  } catch {
    return `cli:${process.env.USER ?? 'unknown'}`
  }
}

/** A comma-separated flag as a list (empty items dropped). */
export function listOption(value: unknown): string[] {
  return String(value)
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
}

/** An RFC 3339 time or a date (midnight UTC) given to a flag, as epoch ms. */
export function timeOption(value: unknown, flag: string): number | undefined {
  if (value === undefined) return undefined
  const text = String(value)
  const ms = Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(text) ? `${text}T00:00:00Z` : text)
  if (!/^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:\d{2}))?$/.test(text) || Number.isNaN(ms)) {
    throw new StreetsenseError('IOT_USAGE', `--${flag} must be an RFC 3339 time or a date YYYY-MM-DD`, flag)
  }
  return ms
}
