/**
 * Asks a board which firmware it runs: Firmata's REPORT_FIRMWARE answer (name and major.minor),
 * read through firmata-io as the agent's Arduino driver would. On a real Uno opening the port
 * resets the board (DTR), so the answer comes after the bootloader's second or so.
 */
import firmataIo from 'firmata-io'
import { SerialPort } from 'serialport'

export interface ReportedFirmware {
  name: string
  major: number
  minor: number
}

export const formatFirmware = (f: ReportedFirmware) => `${f.name} ${f.major}.${f.minor}`

export async function identifyFirmware(path: string, timeoutMs: number): Promise<ReportedFirmware> {
  const port = new SerialPort({ path, baudRate: 57600, autoOpen: false })
  port.on('error', () => undefined)
  const io = new firmataIo.Firmata(port, { reportVersionTimeout: Math.min(2000, timeoutMs / 2) })
  let timer: NodeJS.Timeout | undefined
  try {
    const ready = new Promise<void>((resolve) => io.once('ready', () => resolve()))
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`no Firmata answer on ${path} within ${timeoutMs / 1000} s`)),
        timeoutMs,
      )
    })
    await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(err) : resolve())))
    await Promise.race([ready, timeout])
    const fw = io.firmware
    if (!fw) throw new Error(`the board on ${path} answered Firmata but did not name its firmware`)
    return { name: fw.name, major: fw.version.major, minor: fw.version.minor }
  } finally {
    clearTimeout(timer)
    io.removeAllListeners()
    if (port.isOpen) await new Promise<void>((resolve) => port.close(() => resolve()))
  }
}
