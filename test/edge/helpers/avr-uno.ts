/**
 * An Arduino Uno emulated by avr8js, running the real StandardFirmata hex that avrgirl-arduino
 * ships, with its USART bridged to the sensor end of a socat pty (opened by serialport 13). The
 * agent's driver opens the other end exactly as it would open /dev/ttyACM0.
 */
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import {
  AVRADC,
  AVRIOPort,
  AVRTimer,
  AVRUSART,
  adcConfig,
  avrInstruction,
  CPU,
  portBConfig,
  portCConfig,
  portDConfig,
  timer0Config,
  timer1Config,
  timer2Config,
  usart0Config,
} from 'avr8js'
import { SerialPort } from 'serialport'

const require = createRequire(import.meta.url)

export function unoFirmataHexPath(): string {
  return join(dirname(require.resolve('avrgirl-arduino/package.json')), 'junk', 'hex', 'uno', 'StandardFirmata.cpp.hex')
}

/** Intel HEX (record types 00 data, 01 end, 02 segment) -> 32 KiB flash image (`fill` where nothing is written). */
export function loadHex(text: string, fill = 0): Uint8Array {
  const flash = new Uint8Array(0x8000).fill(fill)
  let base = 0
  for (const line of text.split(/\r?\n/)) {
    if (!line.startsWith(':')) continue
    const bytes = Buffer.from(line.slice(1), 'hex')
    const [len, hi, lo, type] = [bytes[0]!, bytes[1]!, bytes[2]!, bytes[3]!]
    if (type === 0) flash.set(bytes.subarray(4, 4 + len), base + ((hi << 8) | lo))
    else if (type === 2) base = ((bytes[4]! << 8) | bytes[5]!) << 4
  }
  return flash
}

export interface EmulatedUno {
  /** Sets the voltage on analog input n (0..5 V). */
  setAnalog(channel: number, volts: number): void
  /** Drives digital pin 0..7 (port D). */
  setDigital(pin: number, high: boolean): void
  stop(): Promise<void>
}

export async function startEmulatedUno(serialPath: string): Promise<EmulatedUno> {
  const flash = loadHex(readFileSync(unoFirmataHexPath(), 'utf8'))
  const cpu = new CPU(new Uint16Array(flash.buffer))
  new AVRTimer(cpu, timer0Config)
  new AVRTimer(cpu, timer1Config)
  new AVRTimer(cpu, timer2Config)
  const usart = new AVRUSART(cpu, usart0Config, 16e6)
  new AVRIOPort(cpu, portBConfig)
  new AVRIOPort(cpu, portCConfig)
  const portD = new AVRIOPort(cpu, portDConfig)
  const adc = new AVRADC(cpu, adcConfig)

  const port = new SerialPort({ path: serialPath, baudRate: 57600, autoOpen: false })
  await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(err) : resolve())))
  port.on('error', () => undefined)
  const rx: number[] = []
  port.on('data', (d: Buffer) => rx.push(...d))
  let tx: number[] = []
  usart.onByteTransmit = (b) => tx.push(b)

  let running = true
  const slice = () => {
    if (!running) return
    const end = cpu.cycles + 160_000 // 10 ms of a 16 MHz chip
    while (cpu.cycles < end) {
      if (rx.length && !usart.rxBusy) usart.writeByte(rx.shift()!)
      avrInstruction(cpu)
      cpu.tick()
    }
    if (tx.length && port.isOpen) {
      port.write(Buffer.from(tx))
      tx = []
    }
    setImmediate(slice)
  }
  setImmediate(slice)

  return {
    setAnalog(channel, volts) {
      adc.channelValues[channel] = volts
    },
    setDigital(pin, high) {
      portD.setPin(pin, high)
    },
    async stop() {
      running = false
      if (port.isOpen) await new Promise<void>((resolve) => port.close(() => resolve()))
    },
  }
}
