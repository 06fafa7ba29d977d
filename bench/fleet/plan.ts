/**
 * How many of each process bench/fleet needs for N devices on this machine: what one process
 * may hold (its open-files limit, bench/fleet/limits.ts) and what one broker may be reached on
 * (HAProxy connects to every broker from 127.0.0.1, so at most the kernel's ephemeral ports).
 */
import { ephemeralPorts, type FileLimit, fileLimit } from './limits.js'

export interface FleetPlan {
  devices: number
  files: FileLimit
  ports: number
  /** Sockets one process may hold, keeping some descriptors for files, pipes and Redis. */
  socketsPerProcess: number
  generators: number
  haproxies: number
  haproxyMaxconn: number
  brokers: number
  /** `--max-connections` of each broker. */
  brokerCap: number
  addresses: string[]
}

const RESERVE = 1000

export function planFleet(
  devices: number,
  opts: { brokers: number; kill: boolean; haproxyMaxconn?: number; filesPerProcess?: number },
): FleetPlan {
  const found = fileLimit(2 * devices + 10_000)
  // A lower cap on purpose tries the many-process set-up with a small fleet.
  const files = opts.filesPerProcess
    ? { ...found, perProcess: Math.min(found.perProcess, opts.filesPerProcess), raised: false }
    : found
  const ports = ephemeralPorts()
  const socketsPerProcess = files.perProcess - Math.min(RESERVE, Math.floor(files.perProcess / 4))
  const haproxyMaxconn = opts.haproxyMaxconn ?? Math.floor((files.perProcess - 100) / 2)
  const brokerCap = Math.min(socketsPerProcess, ports - 500, devices + RESERVE)
  // Room for the probes and the ingest's connections too (5%); after a kill the survivors must
  // be able to take the dead node's devices.
  const needed = Math.ceil((devices * 1.05) / brokerCap) + (opts.kill ? 1 : 0)
  return {
    devices,
    files,
    ports,
    socketsPerProcess,
    generators: Math.ceil(devices / socketsPerProcess),
    haproxies: Math.ceil((devices + 100) / haproxyMaxconn),
    haproxyMaxconn,
    brokers: Math.max(opts.brokers, needed),
    brokerCap,
    // Each source address has ~28k ephemeral ports towards HAProxy's one port.
    addresses: Array.from({ length: Math.max(2, Math.ceil(devices / 25_000)) }, (_, i) => `127.0.0.${i + 2}`),
  }
}
