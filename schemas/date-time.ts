/**
 * The `date-time` format, as ajv-formats' full mode decides it, with a fast path for the UTC form
 * every reading uses (`2026-01-01T12:00:00.000Z`): one regex instead of a split and two. Checked
 * once per reading on the ingest's hot path, where ajv-formats' version was ~5% of a check
 * thread's time (profiled). Any other form (offsets, lower-case t/z) goes to ajv-formats.
 */
import * as formatsModule from 'ajv-formats/dist/formats.js'

type FormatDefinition = { validate: (s: string) => boolean; compare?: (a: string, b: string) => number | undefined }
const { fullFormats } = ((formatsModule as unknown as { default?: typeof formatsModule }).default ??
  formatsModule) as unknown as { fullFormats: Record<string, FormatDefinition> }
const full = fullFormats['date-time'] as FormatDefinition

const UTC = /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.\d+)?Z$/
const DAYS = [0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
const isLeapYear = (y: number) => y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0)

export function isDateTime(s: string): boolean {
  const m = UTC.exec(s)
  if (!m) return full.validate(s)
  const year = +m[1]!
  const month = +m[2]!
  const day = +m[3]!
  const hour = +m[4]!
  const minute = +m[5]!
  const second = +m[6]!
  if (month < 1 || month > 12 || day < 1 || day > (month === 2 && isLeapYear(year) ? 29 : DAYS[month]!)) return false
  if (hour <= 23 && minute <= 59 && second <= 59) return true
  // A leap second is 23:59:60 UTC.
  return hour === 23 && minute === 59 && second === 60
}

export const dateTimeFormat: FormatDefinition = {
  validate: isDateTime,
  ...(full.compare ? { compare: full.compare } : {}),
}
