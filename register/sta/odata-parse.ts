/**
 * Parses $filter and $orderby expressions into a small syntax tree, with OData's precedence
 * (OData 4.0 URL Conventions 5.1.1.9): grouping, then not and negation, mul/div/mod, add/sub,
 * gt/ge/lt/le, eq/ne, and, or. Errors are 400s naming the query option and the position.
 */
import { badParam } from '../params.js'
import { type Token, tokenize } from './odata-lexer.js'

export type Literal =
  | { k: 'str'; v: string }
  | { k: 'num'; v: number }
  | { k: 'bool'; v: boolean }
  | { k: 'null' }
  | { k: 'time'; v: number }
  | { k: 'date'; v: string }
  | { k: 'geo'; wkt: string }

export type BinaryOp = 'eq' | 'ne' | 'gt' | 'ge' | 'lt' | 'le' | 'and' | 'or' | 'add' | 'sub' | 'mul' | 'div' | 'mod'

export type Expr =
  | { t: 'lit'; lit: Literal }
  | { t: 'path'; segs: string[] }
  | { t: 'fn'; name: string; args: Expr[] }
  | { t: 'bin'; op: BinaryOp; l: Expr; r: Expr }
  | { t: 'not'; e: Expr }

const LEVELS: BinaryOp[][] = [
  ['or'],
  ['and'],
  ['eq', 'ne'],
  ['gt', 'ge', 'lt', 'le'],
  ['add', 'sub'],
  ['mul', 'div', 'mod'],
]

/** Deepest nesting of parentheses and calls: a deeper expression is refused, not recursed into. */
const MAX_DEPTH = 50

class Parser {
  private i = 0
  private depth = 0
  constructor(
    private readonly tokens: Token[],
    private readonly param: string,
  ) {}

  parse(): Expr {
    const e = this.expr(0)
    if (this.i < this.tokens.length) this.fail(`unexpected ${this.describe(this.tokens[this.i]!)}`)
    return e
  }

  /** One item of a comma-separated list ($orderby): the expression, and `asc`/`desc` after it. */
  orderItems(): { e: Expr; desc: boolean }[] {
    const items: { e: Expr; desc: boolean }[] = []
    for (;;) {
      const e = this.expr(0)
      const dir = this.peekName()
      let desc = false
      if (dir === 'asc' || dir === 'desc') {
        desc = dir === 'desc'
        this.i++
      }
      items.push({ e, desc })
      if (!this.punct(',')) break
    }
    if (this.i < this.tokens.length) this.fail(`unexpected ${this.describe(this.tokens[this.i]!)}`)
    return items
  }

  private fail(message: string): never {
    throw badParam(this.param, message)
  }

  private describe(t: Token): string {
    return `'${String(t.v)}' at position ${t.at + 1}`
  }

  private peekName(): string | undefined {
    const t = this.tokens[this.i]
    return t?.t === 'name' ? t.v : undefined
  }

  private punct(p: string): boolean {
    const t = this.tokens[this.i]
    if (t?.t === 'punct' && t.v === p) {
      this.i++
      return true
    }
    return false
  }

  private expect(p: string): void {
    if (!this.punct(p)) {
      const t = this.tokens[this.i]
      this.fail(`expected '${p}'${t ? ` before ${this.describe(t)}` : ' at the end'}`)
    }
  }

  private expr(level: number): Expr {
    if (level >= LEVELS.length) return this.unary()
    let left = this.expr(level + 1)
    for (;;) {
      const op = this.peekName() as BinaryOp | undefined
      if (!op || !LEVELS[level]!.includes(op)) return left
      this.i++
      left = { t: 'bin', op, l: left, r: this.expr(level + 1) }
    }
  }

  private unary(): Expr {
    if (this.peekName() === 'not') {
      this.i++
      return { t: 'not', e: this.unary() }
    }
    return this.primary()
  }

  private primary(): Expr {
    if (++this.depth > MAX_DEPTH) this.fail(`nested deeper than ${MAX_DEPTH} levels`)
    try {
      return this.primaryAt()
    } finally {
      this.depth--
    }
  }

  private primaryAt(): Expr {
    const t = this.tokens[this.i]
    if (!t) return this.fail('the expression ends too early')
    this.i++
    if (t.t === 'punct' && t.v === '(') {
      const e = this.expr(0)
      this.expect(')')
      return e
    }
    if (t.t === 'str') return { t: 'lit', lit: { k: 'str', v: t.v } }
    if (t.t === 'num') return { t: 'lit', lit: { k: 'num', v: t.v } }
    if (t.t === 'time') return { t: 'lit', lit: { k: 'time', v: t.v } }
    if (t.t === 'date') return { t: 'lit', lit: { k: 'date', v: t.v } }
    if (t.t === 'geo') return { t: 'lit', lit: { k: 'geo', wkt: t.v } }
    if (t.t === 'name') return this.named(t.v)
    return this.fail(`unexpected ${this.describe(t)}`)
  }

  private named(name: string): Expr {
    if (name === 'true' || name === 'false') return { t: 'lit', lit: { k: 'bool', v: name === 'true' } }
    if (name === 'null') return { t: 'lit', lit: { k: 'null' } }
    if (this.punct('(')) return { t: 'fn', name, args: this.args() }
    const segs = [name]
    while (this.punct('/')) {
      const next = this.peekName()
      if (!next) this.fail(`a property name must follow '/' after ${segs.join('/')}`)
      segs.push(next)
      this.i++
    }
    return { t: 'path', segs }
  }

  private args(): Expr[] {
    const args: Expr[] = []
    if (this.punct(')')) return args
    do args.push(this.expr(0))
    while (this.punct(','))
    this.expect(')')
    return args
  }
}

export function parseFilter(text: string, param = '$filter'): Expr {
  if (text.trim() === '') throw badParam(param, 'is empty')
  return new Parser(tokenize(text, param), param).parse()
}

export function parseOrderBy(text: string, param = '$orderby'): { e: Expr; desc: boolean }[] {
  if (text.trim() === '') throw badParam(param, 'is empty')
  return new Parser(tokenize(text, param), param).orderItems()
}

/** Every property path an expression reads. */
export function pathsOf(e: Expr): string[][] {
  if (e.t === 'path') return [e.segs]
  if (e.t === 'fn') return e.args.flatMap(pathsOf)
  if (e.t === 'bin') return [...pathsOf(e.l), ...pathsOf(e.r)]
  if (e.t === 'not') return pathsOf(e.e)
  return []
}

/** The top-level `and` terms of an expression. */
export function conjuncts(e: Expr): Expr[] {
  return e.t === 'bin' && e.op === 'and' ? [...conjuncts(e.l), ...conjuncts(e.r)] : [e]
}
