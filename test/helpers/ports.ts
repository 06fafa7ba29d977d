import { readFileSync } from 'node:fs'
import { createServer } from 'node:net'

/**
 * Ports for test servers come from below the kernel's ephemeral range: a port the kernel hands
 * out for `listen(0)` is also what it hands out to outgoing connections, so between releasing it
 * and a child process binding it, any busy test could take it ("address already in use" in CI).
 * Each vitest worker draws from its own slice so parallel workers cannot pick the same port.
 */
const SLICE = 1000
const LOWEST = 10_000
const handedOut = new Set<number>()

function ephemeralLow(): number {
  try {
    const [low] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)
    const value = Number(low)
    return Number.isInteger(value) && value > LOWEST + SLICE ? value : 32_768
  } catch {
    return 32_768
  }
}

function workerSlice(): { from: number; size: number } {
  const slices = Math.floor((ephemeralLow() - LOWEST) / SLICE)
  const worker = Number(process.env.VITEST_POOL_ID ?? process.env.VITEST_WORKER_ID ?? 0)
  const index = (Number.isInteger(worker) ? worker : 0) % slices
  return { from: LOWEST + index * SLICE, size: SLICE }
}

function canBind(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer()
    server.unref()
    server.once('error', () => resolve(false))
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => server.close(() => resolve(true)))
  })
}

/** A free TCP port on 127.0.0.1, outside the ephemeral range and not handed out before in this worker. */
export async function freePort(): Promise<number> {
  const { from, size } = workerSlice()
  for (let attempt = 0; attempt < size; attempt++) {
    const port = from + Math.floor(Math.random() * size)
    if (handedOut.has(port)) continue
    if (await canBind(port)) {
      handedOut.add(port)
      return port
    }
  }
  throw new Error(`no free port in ${from}-${from + size - 1}`)
}

/** Polls `check` until it returns true or the deadline passes (for start-up, never for assertions on speed). */
export async function waitFor(
  check: () => Promise<boolean> | boolean,
  timeoutMs = 30_000,
  what = 'condition',
): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    try {
      if (await check()) return
    } catch {
      // not ready yet
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}
