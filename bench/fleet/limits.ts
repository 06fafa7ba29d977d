/**
 * How many sockets one process may hold here. Node raises its soft open-files limit to the hard
 * one at start; raising the hard limit needs CAP_SYS_RESOURCE (`prlimit --nofile`). When that is
 * refused, every process of the benchmark (generator, broker, HAProxy) is capped at the hard
 * limit, and the fleet is spread over more of each.
 */
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'

export interface FileLimit {
  /** Open files each process may have. */
  perProcess: number
  /** True when `prlimit --nofile` could raise it to what was wanted (child processes run under prlimit). */
  raised: boolean
  hard: number
}

function hardLimit(): number {
  const line = readFileSync('/proc/self/limits', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('Max open files'))
  const hard = line?.trim().split(/\s+/)[4]
  return hard === 'unlimited' ? 1 << 20 : Number(hard ?? 1024)
}

export function fileLimit(wanted: number): FileLimit {
  const hard = hardLimit()
  if (wanted <= hard) return { perProcess: hard, raised: false, hard }
  try {
    execFileSync('prlimit', [`--nofile=${wanted}:${wanted}`, '--', 'true'], { stdio: 'ignore' })
    return { perProcess: wanted, raised: true, hard }
  } catch {
    return { perProcess: hard, raised: false, hard }
  }
}

/** The kernel's ephemeral ports: the most connections from one address to one address:port. */
export function ephemeralPorts(): number {
  try {
    const [lo, hi] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number)
    return hi! - lo! + 1
  } catch {
    return 28_232
  }
}
