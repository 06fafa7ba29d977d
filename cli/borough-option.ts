/**
 * Borough flags of every command (`--borough`, `--boroughs`): a code or a name, through the one
 * resolver in schemas/boroughs.ts. An unknown one is refused with the list of codes and names.
 */
import { StreetsenseError } from '../core/index.js'
import { type BoroughCodeKnown, resolveBorough, unknownBoroughMessage } from '../schemas/index.js'

/** `--borough Camden` -> E09000007; undefined stays undefined. */
export function boroughOption(value: unknown, flag = 'borough'): BoroughCodeKnown | undefined {
  if (value === undefined || value === null || value === '') return undefined
  const code = resolveBorough(String(value))
  if (!code) throw new StreetsenseError('IOT_USAGE', `--${flag}: ${unknownBoroughMessage(String(value))}`, flag)
  return code
}

/** `--boroughs "Camden, Hackney"` -> [E09000007, E09000012]; no flag means an empty list. */
export function boroughsOption(value: unknown, flag = 'boroughs'): BoroughCodeKnown[] {
  if (value === undefined || value === null || value === '') return []
  return String(value)
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((s) => boroughOption(s, flag) as BoroughCodeKnown)
}
