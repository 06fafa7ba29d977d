/** Unit tests of the SensorThings expression language: parsing, values, geometry and what is pushed down to InfluxQL. */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { StreetsenseError } from '../../core/errors.js'
import { parseWkt, relate } from '../../register/sta/geo.js'
import { pushdown } from '../../register/sta/influx-filter.js'
import { evaluate } from '../../register/sta/odata-eval.js'
import { parseFilter, parseOrderBy } from '../../register/sta/odata-parse.js'
import { compare, timeValue, type Value } from '../../register/sta/odata-values.js'
import { checkExpr } from '../../register/sta/paths.js'

const T = Date.parse('2026-11-27T09:00:00Z')
const show = (e: ReturnType<typeof parseFilter>): string => {
  switch (e.t) {
    case 'lit':
      return 'v' in e.lit ? JSON.stringify(e.lit.v) : e.lit.k === 'geo' ? `geo(${e.lit.wkt})` : 'null'
    case 'path':
      return e.segs.join('/')
    case 'fn':
      return `${e.name}(${e.args.map(show).join(',')})`
    case 'not':
      return `not(${show(e.e)})`
    case 'bin':
      return `${e.op}(${show(e.l)},${show(e.r)})`
  }
}

describe('parsing $filter and $orderby (OData 4.0 precedence)', () => {
  it('binds mul before add before comparisons before and before or', () => {
    expect(show(parseFilter('result add 2 mul 3 gt 10 or a eq 1 and not b eq 2'))).toBe(
      'or(gt(add(result,mul(2,3)),10),and(eq(a,1),eq(not(b),2)))',
    )
    expect(show(parseFilter('(result sub 5) gt -1.5e1'))).toBe('gt(sub(result,5),-15)')
  })

  it('reads strings with doubled quotes, times, dates, paths, functions and geography literals', () => {
    expect(show(parseFilter("name eq 'Baker''s Row'"))).toBe('eq(name,"Baker\'s Row")')
    expect(show(parseFilter('phenomenonTime ge 2026-11-27T09:00:00Z'))).toBe(`ge(phenomenonTime,${T})`)
    expect(show(parseFilter('date(resultTime) eq 2026-11-27'))).toBe('eq(date(resultTime),"2026-11-27")')
    expect(show(parseFilter("Datastream/Thing/properties/borough eq 'E09000007'"))).toBe(
      'eq(Datastream/Thing/properties/borough,"E09000007")',
    )
    expect(show(parseFilter("geo.intersects(location, geography'POINT(-0.1 51.5)')"))).toBe(
      'geo.intersects(location,geo(POINT(-0.1 51.5)))',
    )
    expect(parseOrderBy('result desc, phenomenonTime').map((o) => [show(o.e), o.desc])).toEqual([
      ['result', true],
      ['phenomenonTime', false],
    ])
  })

  it('answers any string of tokens with a value or a 400/501, never another failure', () => {
    const tokens = [
      'result',
      'phenomenonTime',
      'Datastream/name',
      'eq',
      'gt',
      'and',
      'or',
      'not',
      'add',
      'mod',
      '(',
      ')',
      ',',
      "'x'",
      '1',
      '-2.5',
      'null',
      'true',
      '2026-01-01T00:00:00Z',
      '2026-01-01',
      "geography'POINT(1 2)'",
      "geography'POLYGON((0 0, 3 0, 3 3, 0 0))'",
      'geo.intersects',
      'st_within',
      'substring',
      'length',
      'round',
      'date',
      '/',
      "'",
    ]
    const ctx = {
      now: T,
      resolve: (segs: string[]): Value =>
        segs[0] === 'result'
          ? 5
          : segs[0] === 'phenomenonTime'
            ? timeValue('2026-01-01T00:00:00Z/2026-01-01T00:05:00Z')
            : 'PM',
    }
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...tokens), { maxLength: 14 }), (parts) => {
        try {
          const e = parseFilter(parts.join(' '))
          checkExpr('Observations', e, '$filter')
          evaluate(e, ctx)
        } catch (err) {
          expect(err).toBeInstanceOf(StreetsenseError)
          expect([400, 404, 501]).toContain((err as StreetsenseError).statusCode)
        }
      }),
      { numRuns: 3000 },
    )
  })

  it('refuses malformed expressions with the position', () => {
    for (const bad of ["name eq 'x", 'name eq', '(a eq 1', 'a eq 1)', "duration'P1D' eq a", 'a # b']) {
      expect(() => parseFilter(bad), bad).toThrow(/\$filter/)
    }
  })
})

describe('values', () => {
  const at = (s: string) => timeValue(s)
  const interval = timeValue('2026-11-27T09:00:00Z/2026-11-27T09:05:00Z')

  it('compares an interval with an instant as a whole', () => {
    expect(compare('ge', interval, at('2026-11-27T09:00:00Z'))).toBe(true)
    expect(compare('gt', interval, at('2026-11-27T09:00:00Z'))).toBe(false)
    expect(compare('lt', interval, at('2026-11-27T09:05:00Z'))).toBe(false)
    expect(compare('le', interval, at('2026-11-27T09:05:00Z'))).toBe(true)
    expect(compare('eq', interval, at('2026-11-27T09:00:00Z'))).toBe(false)
    expect(compare('lt', at('2026-11-27T08:00:00Z'), interval)).toBe(true)
  })

  it('treats null as OData does and fans out over to-many values (any)', () => {
    expect(compare('eq', null, null)).toBe(true)
    expect(compare('gt', 1, null)).toBe(false)
    const ctx = { now: T, resolve: (): Value => ({ k: 'multi', vs: ['a', 'b'] }) }
    expect(evaluate(parseFilter("Datastreams/name eq 'b'"), ctx)).toEqual({ k: 'multi', vs: [false, true] })
    expect(evaluate(parseFilter("not (Datastreams/name eq 'b')"), ctx)).toBe(false)
  })
})

describe('geometry (a point against any geometry)', () => {
  const square = parseWkt('POLYGON((0 0, 4 0, 4 4, 0 4, 0 0), (1 1, 2 1, 2 2, 1 2, 1 1))')
  const pt = (x: number, y: number) => parseWkt(`POINT(${x} ${y})`)

  it('knows interior, boundary (holes included) and exterior', () => {
    expect(relate('within', pt(3, 3), square)).toBe(true)
    expect(relate('within', pt(1.5, 1.5), square)).toBe(false) // in the hole
    expect(relate('touches', pt(1.5, 1), square)).toBe(true) // on the hole's edge
    expect(relate('intersects', pt(4, 2), square)).toBe(true)
    expect(relate('within', pt(4, 2), square)).toBe(false)
    expect(relate('disjoint', pt(5, 5), square)).toBe(true)
    expect(relate('contains', square, pt(3, 3))).toBe(true)
    expect(relate('within', square, pt(3, 3))).toBe(false)
  })

  it('handles lines, multipoints and equality', () => {
    const line = parseWkt('LINESTRING(0 0, 2 2)')
    expect(relate('touches', pt(0, 0), line)).toBe(true)
    expect(relate('within', pt(1, 1), line)).toBe(true)
    expect(relate('equals', pt(1, 1), parseWkt('MULTIPOINT((1 1), (1 1))'))).toBe(true)
    expect(relate('crosses', pt(1, 1), line)).toBe(false)
    expect(() => relate('within', line, square)).toThrow(/not implemented/)
    expect(() => parseWkt('POLYGON((0 0, 1 1, 0 0))')).toThrow(/closed/)
    expect(() => parseWkt('SRID=27700;POINT(530000 180000)')).toThrow(/SRID 27700/)
  })
})

describe('pushdown to InfluxQL', () => {
  const sql = (f: string) => pushdown(parseFilter(f), 'pm2_5')

  it('pushes result and phenomenonTime comparisons exactly', () => {
    expect(sql('result gt 10 and phenomenonTime ge 2026-11-27T09:00:00Z')).toEqual({
      sql: `("pm2_5" > 10) AND (time >= ${T}ms)`,
      exact: true,
    })
    expect(sql('10 lt result add 1')).toEqual({ sql: '("pm2_5" + 1) > 10', exact: true })
    expect(sql('not (result gt 5 or result eq 1)')).toEqual({ sql: '("pm2_5" <= 5) AND ("pm2_5" != 1)', exact: true })
    expect(sql('result mod 2 eq 0 or result div 4 lt 1')).toEqual({
      sql: '(("pm2_5" % 2) = 0) OR (("pm2_5" / 4) < 1)',
      exact: true,
    })
  })

  it('pushes a superset where InfluxDB cannot decide, and nothing where it knows nothing', () => {
    expect(sql('phenomenonTime lt 2026-11-27T09:00:00Z')).toEqual({ sql: `time < ${T}ms`, exact: false })
    expect(sql('resultTime ge 2026-11-27T09:00:00Z')).toEqual({ sql: `time >= ${T - 86_400_000}ms`, exact: false })
    expect(sql("result gt 1 and startswith(Datastream/name, 'PM')")).toEqual({ sql: '("pm2_5" > 1)', exact: false })
    expect(sql("result gt 1 or startswith(Datastream/name, 'PM')")).toEqual({ exact: false })
    expect(sql('round(result) eq 3')).toEqual({ exact: false })
    expect(sql('not (phenomenonTime lt 2026-11-27T09:00:00Z)')).toEqual({ exact: false })
    expect(sql('result gt 1e-9')).toEqual({ exact: false })
  })
})
