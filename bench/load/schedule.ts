/**
 * One load step of the light generator. Paced (rate > 0): the i-th reading of the step is due at
 * firstAt + i / rate and goes to sensor i mod n with seq seqStart + floor(i / n), so every sensor
 * publishes in turn at rate / n. Flat out (rate 0): every connection keeps its window full until
 * the time is up. Then the step waits until every reading is acknowledged (a device that lost its
 * connection sends its unacknowledged readings again after reconnecting) or `settleMs` passes.
 */
import type { BenchDevice } from './device.js'

export interface StepCommand {
  rate: number
  seconds: number
  seqStart: number
  settleMs?: number
}

export interface StepDone {
  event: 'step-done'
  published: Record<string, number>
  acked: Record<string, number>
  resent: number
  firstAt: number
  lastAckAt: number
  /** Readings still unacknowledged when the step gave up waiting (0 normally). */
  outstanding: number
}

const TICK_MS = 5
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

function pace(devices: BenchDevice[], step: StepCommand, firstAt: number): () => void {
  const n = devices.length
  const total = Math.floor(step.seconds * step.rate)
  let i = 0
  const touched = new Set<BenchDevice>()
  const timer = setInterval(() => {
    const due = Math.min(total, Math.floor(((Date.now() - firstAt) * step.rate) / 1000) + 1)
    for (; i < due; i++) {
      const device = devices[i % n]!
      device.enqueue(step.seqStart + Math.floor(i / n))
      touched.add(device)
    }
    for (const d of touched) d.flush()
    touched.clear()
  }, TICK_MS)
  return () => clearInterval(timer)
}

function flatOut(devices: BenchDevice[], step: StepCommand): () => void {
  let running = true
  for (const d of devices) {
    let seq = step.seqStart
    d.supply = () => (running ? seq++ : undefined)
    d.flush()
  }
  return () => {
    running = false
    for (const d of devices) d.supply = undefined
  }
}

/** Ends the running step now (the `cut` command): used when a step was given a generous length. */
let cutNow: (() => void) | undefined
export function cutStep(): boolean {
  cutNow?.()
  return cutNow !== undefined
}

export async function runStep(devices: BenchDevice[], step: StepCommand): Promise<StepDone> {
  for (const d of devices) d.resetCounts()
  const firstAt = Date.now()
  const stop = step.rate > 0 ? pace(devices, step, firstAt) : flatOut(devices, step)
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, step.seconds * 1000)
    cutNow = () => {
      clearTimeout(timer)
      resolve()
    }
  })
  cutNow = undefined
  stop()
  const settleBy = Date.now() + (step.settleMs ?? 180_000)
  let outstanding = 0
  for (;;) {
    outstanding = devices.reduce((a, d) => a + d.outstanding(), 0)
    if (outstanding === 0 || Date.now() > settleBy) break
    await sleep(20)
  }
  const published: Record<string, number> = {}
  const acked: Record<string, number> = {}
  let resent = 0
  let lastAckAt = 0
  for (const d of devices) {
    published[d.sensor.id] = d.published
    acked[d.sensor.id] = d.acked
    resent += d.resent
    lastAckAt = Math.max(lastAckAt, d.lastAckAt)
  }
  return { event: 'step-done', published, acked, resent, firstAt, lastAckAt, outstanding }
}
