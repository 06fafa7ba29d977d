/**
 * Lists serial ports without crashing: serialport's list() spawns `udevadm` and the spawn error
 * kills the process where udev is missing (containers, CI). So use list() only when udevadm is on
 * PATH, and otherwise (or if it fails) list the usual device nodes.
 */
import { accessSync, constants, readdirSync } from 'node:fs'
import { delimiter, join } from 'node:path'
import { SerialPort } from 'serialport'

export interface PortInfo {
  path: string
  manufacturer?: string
  serialNumber?: string
  source: 'udev' | 'dev'
}

export function onPath(command: string, path = process.env.PATH ?? ''): boolean {
  return path.split(delimiter).some((dir) => {
    try {
      accessSync(join(dir, command), constants.X_OK)
      return true
    } catch {
      return false
    }
  })
}

export function listDevNodes(dir = '/dev'): PortInfo[] {
  let names: string[] = []
  try {
    names = readdirSync(dir)
  } catch {
    return []
  }
  return names
    .filter((n) => /^tty(S|USB|ACM|AMA)\d+$/.test(n) || n === 'serial0' || n === 'serial1')
    .sort()
    .map((n) => ({ path: join(dir, n), source: 'dev' as const }))
}

export async function listSerialPorts(): Promise<PortInfo[]> {
  if (onPath('udevadm')) {
    try {
      const ports = await SerialPort.list()
      return ports.map((p) => ({
        path: p.path,
        manufacturer: p.manufacturer,
        serialNumber: p.serialNumber,
        source: 'udev',
      }))
    } catch {
      // fall through to the device nodes
    }
  }
  return listDevNodes()
}
