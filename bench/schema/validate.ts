/**
 * Validations per second of the compiled schema: one reading, and a batch of 60 (a node's hour
 * of minute readings). Baseline in the same run: JSON.parse of the same bytes, which every
 * consumer pays anyway, so the ratio tells what validation adds.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { validateBatch, validateReading } from '../../schemas/validate.js'
import { machineDetails, writeBenchSection } from '../machine.js'

const air = JSON.parse(readFileSync(join(import.meta.dirname, '../../schemas/examples/valid/reading-air.json'), 'utf8'))
const batch = { readings: Array.from({ length: 60 }, (_, i) => ({ ...air, seq: i })) }
const now = Date.parse('2026-11-27T09:00:00Z')

function opsPerSecond(fn: () => unknown, ms = 1500): number {
  for (let i = 0; i < 2000; i++) fn() // warm up the JIT
  let n = 0
  const start = process.hrtime.bigint()
  const budget = BigInt(ms) * 1_000_000n
  while (process.hrtime.bigint() - start < budget) {
    for (let i = 0; i < 200; i++) fn()
    n += 200
  }
  return n / (Number(process.hrtime.bigint() - start) / 1e9)
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.floor(s.length / 2)]!
}

const singleText = JSON.stringify(air)
const batchText = JSON.stringify(batch)
const rows: string[] = []
for (const [name, text, validate] of [
  ['single reading', singleText, (v: unknown) => validateReading(v, now)],
  ['batch of 60', batchText, (v: unknown) => validateBatch(v, now)],
] as const) {
  const parsed = JSON.parse(text)
  const check = validate(parsed)
  if (!check.ok) throw new Error(`example invalid: ${JSON.stringify(check.errors)}`)
  const base = median([1, 2, 3].map(() => opsPerSecond(() => JSON.parse(text))))
  const val = median([1, 2, 3].map(() => opsPerSecond(() => validate(parsed))))
  const perReading = name === 'batch of 60' ? val * 60 : val
  rows.push(
    `| ${name} | ${text.length} | ${Math.round(val).toLocaleString('en-GB')} | ${Math.round(perReading).toLocaleString('en-GB')} | ${Math.round(base).toLocaleString('en-GB')} | ${(val / base).toFixed(2)} |`,
  )
}

const md = `### Schema validation (bench/schema/validate.ts)

Measured ${new Date().toISOString().slice(0, 10)} on ${machineDetails()}. Median of 3 runs of 1.5 s each.

| message | bytes | validations/s | readings/s | JSON.parse/s of the same bytes (baseline) | ratio validate/parse |
| --- | ---: | ---: | ---: | ---: | ---: |
${rows.join('\n')}

A ratio above 1 means validation is cheaper than the JSON.parse every consumer already does.`
writeBenchSection('schema', md)
console.log(md)
