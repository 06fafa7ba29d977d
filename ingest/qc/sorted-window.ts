/**
 * A short window of values kept both in arrival order (to drop the oldest) and sorted (so the
 * median is one lookup). The spike rule asks for the median of every reading and for the MAD only
 * when a value is already far from it, which is rare.
 */
export class SortedWindow {
  readonly values: number[] = []
  readonly times: number[] = []
  private readonly sorted: number[] = []

  get size(): number {
    return this.values.length
  }

  push(time: number, value: number): void {
    this.values.push(value)
    this.times.push(time)
    this.sorted.splice(this.position(value), 0, value)
  }

  /** Drops the oldest value. */
  shift(): void {
    const value = this.values.shift()
    this.times.shift()
    if (value !== undefined) this.sorted.splice(this.position(value), 1)
  }

  /** Drops every value older than `time`. */
  dropBefore(time: number): void {
    while (this.times.length > 0 && this.times[0]! < time) this.shift()
  }

  median(): number {
    return medianOfSorted(this.sorted)
  }

  /** Median absolute deviation from `median` (unscaled). */
  mad(median: number): number {
    const deviations = this.sorted.map((v) => Math.abs(v - median)).sort((a, b) => a - b)
    return medianOfSorted(deviations)
  }

  /** First index whose value is not below `value` (binary search). */
  private position(value: number): number {
    let lo = 0
    let hi = this.sorted.length
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      if (this.sorted[mid]! < value) lo = mid + 1
      else hi = mid
    }
    return lo
  }

  static from(times: number[], values: number[]): SortedWindow {
    const w = new SortedWindow()
    for (let i = 0; i < values.length; i++) w.push(times[i]!, values[i]!)
    return w
  }
}

function medianOfSorted(s: readonly number[]): number {
  const n = s.length
  if (n === 0) return Number.NaN
  const mid = n >> 1
  return n % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2
}
