/**
 * A short window of values kept both in arrival order (a ring, to drop the oldest) and sorted (so
 * the median is one lookup). The spike rule asks for the median of every reading and for the MAD
 * only when a value is already far from it, which is rare. Fixed-size typed arrays: this runs on
 * the ingest's main thread for every pollutant value, and allocates nothing.
 */
export class SortedWindow {
  private readonly values: Float64Array
  private readonly times: Float64Array
  private readonly sorted: Float64Array
  private head = 0
  size = 0

  constructor(readonly capacity: number) {
    this.values = new Float64Array(capacity)
    this.times = new Float64Array(capacity)
    this.sorted = new Float64Array(capacity)
  }

  /** Adds a value, dropping the oldest when full. */
  push(time: number, value: number): void {
    if (this.size === this.capacity) this.shift()
    const at = (this.head + this.size) % this.capacity
    this.values[at] = value
    this.times[at] = time
    let i = this.size++
    while (i > 0 && this.sorted[i - 1]! > value) {
      this.sorted[i] = this.sorted[i - 1]!
      i--
    }
    this.sorted[i] = value
  }

  /** Drops the oldest value. */
  shift(): void {
    if (this.size === 0) return
    const value = this.values[this.head]!
    this.head = (this.head + 1) % this.capacity
    this.size--
    let i = 0
    while (this.sorted[i] !== value) i++
    for (; i < this.size; i++) this.sorted[i] = this.sorted[i + 1]!
  }

  /** Drops every value older than `time`. */
  dropBefore(time: number): void {
    while (this.size > 0 && this.times[this.head]! < time) this.shift()
  }

  median(): number {
    return medianOf(this.sorted, this.size)
  }

  /** Median absolute deviation from `median` (unscaled). */
  mad(median: number): number {
    const deviations = new Float64Array(this.size)
    for (let i = 0; i < this.size; i++) deviations[i] = Math.abs(this.sorted[i]! - median)
    return medianOf(deviations.sort(), this.size)
  }

  /** [times, values], oldest first (for the state file). */
  toArrays(): [number[], number[]] {
    const times: number[] = []
    const values: number[] = []
    for (let k = 0; k < this.size; k++) {
      const at = (this.head + k) % this.capacity
      times.push(this.times[at]!)
      values.push(this.values[at]!)
    }
    return [times, values]
  }

  static from(capacity: number, times: readonly number[], values: readonly number[]): SortedWindow {
    const w = new SortedWindow(capacity)
    for (let i = 0; i < values.length; i++) w.push(times[i]!, values[i]!)
    return w
  }
}

function medianOf(s: Float64Array, n: number): number {
  if (n === 0) return Number.NaN
  const mid = n >> 1
  return n % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2
}
