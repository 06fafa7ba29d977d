/**
 * Tokens of the OData expression language SensorThings uses in $filter and $orderby (OGC 18-088
 * 9.3.3.5, after OData 4.0 ABNF): string, number, date and time literals, geography literals,
 * names and property paths, and punctuation. Anything else is a 400 naming the position.
 */
import { badParam } from '../params.js'

export type Token =
  | { t: 'str'; v: string; at: number }
  | { t: 'num'; v: number; at: number }
  | { t: 'time'; v: number; at: number }
  | { t: 'date'; v: string; at: number }
  | { t: 'geo'; v: string; at: number }
  | { t: 'name'; v: string; at: number }
  | { t: 'punct'; v: '(' | ')' | ',' | '/'; at: number }

const DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})/
const DATE = /^\d{4}-\d{2}-\d{2}(?![\dT])/
const NUMBER = /^-?\d+(\.\d+)?([eE][-+]?\d+)?[LlDdFfMm]?(?![A-Za-z_])/
const NAME = /^[A-Za-z_@$][A-Za-z0-9_.@$]*/

/** Splits an expression into tokens; `param` names the query option in errors. */
export function tokenize(text: string, param: string): Token[] {
  const tokens: Token[] = []
  let i = 0
  while (i < text.length) {
    const c = text[i]!
    if (/\s/.test(c)) {
      i++
      continue
    }
    const rest = text.slice(i)
    const token = literalAt(rest, i, param) ?? nameAt(rest, i, param)
    if (token) {
      tokens.push(token.token)
      i += token.length
      continue
    }
    if (c === '(' || c === ')' || c === ',' || c === '/') {
      tokens.push({ t: 'punct', v: c, at: i })
      i++
      continue
    }
    throw badParam(param, `unexpected '${c}' at position ${i + 1}`)
  }
  return tokens
}

function readQuoted(text: string, start: number, param: string): { value: string; end: number } {
  let value = ''
  let i = start + 1
  for (;;) {
    const q = text.indexOf("'", i)
    if (q < 0) throw badParam(param, `unterminated string starting at position ${start + 1}`)
    value += text.slice(i, q)
    if (text[q + 1] === "'") {
      value += "'"
      i = q + 2
      continue
    }
    return { value, end: q + 1 }
  }
}

function literalAt(rest: string, at: number, param: string): { token: Token; length: number } | undefined {
  if (rest[0] === "'") {
    const { value, end } = readQuoted(rest, 0, param)
    return { token: { t: 'str', v: value, at }, length: end }
  }
  const dt = DATETIME.exec(rest)
  if (dt) {
    const ms = Date.parse(dt[0])
    if (Number.isNaN(ms)) throw badParam(param, `${dt[0]} is not a valid time`)
    return { token: { t: 'time', v: ms, at }, length: dt[0].length }
  }
  const date = DATE.exec(rest)
  if (date) return { token: { t: 'date', v: date[0], at }, length: date[0].length }
  const num = NUMBER.exec(rest)
  if (num) return { token: { t: 'num', v: Number(num[0].replace(/[LlDdFfMm]$/, '')), at }, length: num[0].length }
  return undefined
}

function nameAt(rest: string, at: number, param: string): { token: Token; length: number } | undefined {
  const m = NAME.exec(rest)
  if (!m) return undefined
  const name = m[0]
  if (rest[name.length] !== "'") return { token: { t: 'name', v: name, at }, length: name.length }
  // A typed literal: geography'POINT(...)', geometry'...', duration'P1D'.
  const { value, end } = readQuoted(rest, name.length, param)
  const kind = name.toLowerCase()
  if (kind === 'geography' || kind === 'geometry') return { token: { t: 'geo', v: value, at }, length: end }
  throw badParam(
    param,
    `${name}'...' literals are not supported (strings, numbers, true/false/null, times, dates, geography'...')`,
  )
}
