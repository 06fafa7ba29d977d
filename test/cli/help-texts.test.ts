/**
 * `streetsense --help` and every subcommand's help read alike: a command's description is a
 * sentence (capital first), an option's a phrase (lower case first, unless it starts with a name
 * or an acronym such as InfluxDB, MQTT or ONS). Walks the real command tree.
 */
import type { Command } from 'commander'
import { describe, expect, it } from 'vitest'
import { buildProgram } from '../../cli/program.js'

function commands(root: Command): Command[] {
  return [root, ...root.commands.flatMap(commands)]
}

const NAMES = new Set(['InfluxDB', 'Arduino', 'London', 'Redis', 'Prometheus', 'StandardFirmata', 'Sensor.Community'])
const firstWord = (text: string) => /^[^\s,;:(]+/.exec(text)?.[0] ?? ''
/** "Run ...", "Manage ...": a capital, then lower case letters only (not MQTT, not InfluxDB). */
const sentenceCase = (word: string) => /^[A-Z][a-z]+$/.test(word) && !NAMES.has(word)

describe('help texts', () => {
  const all = commands(buildProgram())

  it('every command is described, starting with a capital', () => {
    const wrong = all
      .filter((c) => !/^[A-Z]/.test(c.description()))
      .map((c) => `${c.name()}: ${JSON.stringify(c.description())}`)
    expect(wrong).toEqual([])
  })

  it('every option is described, starting in lower case (or with a name or acronym)', () => {
    const wrong = all.flatMap((c) =>
      c.options
        .filter((o) => !o.description || sentenceCase(firstWord(o.description)))
        .map((o) => `${c.name()} ${o.flags}: ${JSON.stringify(o.description)}`),
    )
    expect(wrong).toEqual([])
    expect(all.flatMap((c) => c.options).length).toBeGreaterThan(100)
  })
})
