/**
 * A set of sequence numbers as sorted, merged, inclusive ranges: [first, last, first, last, ...].
 * A sensor that delivers in order is one range however many readings it sent, so memory grows
 * with the number of holes, not of readings. In-order arrival (the usual case) extends the last
 * range in O(1); anything else is a binary search and a splice.
 */
export type Range = [first: number, last: number]

export class SeqSet {
  /** Flat, sorted, disjoint and non-adjacent: [a0, b0, a1, b1, ...] with b(i) + 1 < a(i+1). */
  private r: number[]

  constructor(flat: number[] = []) {
    this.r = flat
  }

  static fromRanges(ranges: readonly Range[]): SeqSet {
    const s = new SeqSet()
    for (const [a, b] of ranges) s.add(a, b)
    return s
  }

  /** Number of ranges. */
  get size(): number {
    return this.r.length / 2
  }

  get min(): number | undefined {
    return this.r[0]
  }

  get max(): number | undefined {
    return this.r[this.r.length - 1]
  }

  ranges(): Range[] {
    const out: Range[] = []
    for (let i = 0; i < this.r.length; i += 2) out.push([this.r[i]!, this.r[i + 1]!])
    return out
  }

  /** Adds first..last (inclusive). */
  add(first: number, last = first): void {
    const r = this.r
    const n = r.length
    if (first > last) return
    if (n === 0 || first > r[n - 1]! + 1) {
      r.push(first, last)
      return
    }
    if (first >= r[n - 2]! && first <= r[n - 1]! + 1) {
      if (last > r[n - 1]!) r[n - 1] = last
      return
    }
    // The first range that ends at or after first - 1 (touching ranges merge too).
    const i = this.firstEndingFrom(first - 1)
    let j = i
    let a = first
    let b = last
    while (j < n && r[j]! <= last + 1) {
      a = Math.min(a, r[j]!)
      b = Math.max(b, r[j + 1]!)
      j += 2
    }
    r.splice(i, j - i, a, b)
  }

  has(seq: number): boolean {
    const i = this.firstEndingFrom(seq)
    return i < this.r.length && this.r[i]! <= seq
  }

  /** The smallest member >= seq. */
  ceil(seq: number): number | undefined {
    const i = this.firstEndingFrom(seq)
    return i < this.r.length ? Math.max(this.r[i]!, seq) : undefined
  }

  /** The largest member <= seq. */
  floor(seq: number): number | undefined {
    const i = this.firstEndingFrom(seq)
    if (i < this.r.length && this.r[i]! <= seq) return seq
    return i > 0 ? this.r[i - 1] : undefined
  }

  /** How many members lie in from..to. */
  count(from: number, to: number): number {
    let n = 0
    for (let i = this.firstEndingFrom(from); i < this.r.length && this.r[i]! <= to; i += 2) {
      n += Math.min(to, this.r[i + 1]!) - Math.max(from, this.r[i]!) + 1
    }
    return n
  }

  /** The ranges of from..to NOT in the set, at most `limit` of them, lowest first. */
  holes(from: number, to: number, limit = Number.POSITIVE_INFINITY): Range[] {
    const out: Range[] = []
    let next = from
    for (let i = this.firstEndingFrom(from); i < this.r.length && next <= to && out.length < limit; i += 2) {
      if (this.r[i]! > next) out.push([next, Math.min(to, this.r[i]! - 1)])
      next = Math.max(next, this.r[i + 1]! + 1)
    }
    if (next <= to && out.length < limit) out.push([next, to])
    return out
  }

  /** Forgets every member below `floor`. */
  dropBelow(floor: number): void {
    const i = this.firstEndingFrom(floor)
    this.r.splice(0, i)
    if (this.r.length > 0 && this.r[0]! < floor) this.r[0] = floor
  }

  toJSON(): number[] {
    return this.r
  }

  /** Index (even) of the first range whose last >= seq; r.length when none. */
  private firstEndingFrom(seq: number): number {
    let lo = 0
    let hi = this.r.length / 2
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (this.r[mid * 2 + 1]! < seq) lo = mid + 1
      else hi = mid
    }
    return lo * 2
  }
}
