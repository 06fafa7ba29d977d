/**
 * An Arduino Uno with its bootloader, emulated by avr8js, for flashing tests: Optiboot (built by
 * avr-hex.ts with gcc-avr from the sources Debian's arduino-core-avr installs) at 0x7E00 with the
 * BOOTRST fuse, a self-programming (SPM) shim, resets that keep the flash, and the USART bridged
 * to the board end of a socat pty at real-time speed, so Optiboot's watchdog behaves. What
 * avr8js lacks and this adds:
 * - SPM is a no-op in avr8js: page fill, erase and write are done here when the bootloader runs
 *   them (only from the boot section, as the chip allows; the boot section itself is not
 *   writable, like the lock bits make it on a real Uno).
 * - cpu.reset() restarts at 0 with the old peripherals: a reset here builds a fresh chip on the
 *   same flash, starts at the boot section and sets MCUSR (EXTRF for the DTR reset, WDRF for the
 *   watchdog), which is what makes Optiboot either wait for the programmer or start the sketch.
 * - A pty has no DTR line: the test calls reset() where avrgirl would pulse DTR.
 * Not modelled: baud rate mismatches, the real reset timing of a USB-serial chip, flash write
 * time and wear, EEPROM, fuses and lock bits as registers.
 */
import { readFileSync } from 'node:fs'
import {
  AVRADC,
  AVRClock,
  AVRIOPort,
  AVRTimer,
  AVRUSART,
  AVRWatchdog,
  adcConfig,
  avrInstruction,
  CPU,
  clockConfig,
  portBConfig,
  portCConfig,
  portDConfig,
  timer0Config,
  timer1Config,
  timer2Config,
  usart0Config,
  watchdogConfig,
} from 'avr8js'
import { SerialPort } from 'serialport'
import { loadHex } from './avr-uno.js'

const BOOT_START = 0x7e00 // bytes; BOOTRST jumps here (word 0x3F00)
const PAGE = 128 // bytes per flash page
const SPMCSR = 0x57
const MCUSR = 0x54
const UCSR0A = 0xc0
const F_CPU = 16e6
const EXTRF = 0x02
const WDRF = 0x08

export interface BootloaderUno {
  /** An external reset, as the DTR pulse of a USB-serial chip gives. */
  reset(): void
  /** The application section as bytes (what a flash wrote). */
  app(): Uint8Array
  /** After n more pages, stop passing host bytes to the chip (a cable pulled mid-flash). */
  cutAfterPages(n: number): void
  /** Reconnects the cable. */
  reconnect(): void
  /** Makes self-programming do nothing (as stock avr8js does): the chip answers but keeps its old flash. */
  ignoreWrites(ignore: boolean): void
  readonly resets: { cause: 'EXTRF' | 'WDRF'; time: number }[]
  stop(): Promise<void>
}

interface Chip {
  cpu: CPU
  usart: AVRUSART
}

function buildChip(
  flash: Uint16Array,
  cause: number,
  onReset: (cause: number) => void,
  onTx: (b: number) => void,
): Chip {
  const cpu = new CPU(flash)
  const clock = new AVRClock(cpu, F_CPU, clockConfig)
  new AVRWatchdog(cpu, watchdogConfig, clock)
  new AVRTimer(cpu, timer0Config)
  new AVRTimer(cpu, timer1Config)
  new AVRTimer(cpu, timer2Config)
  new AVRIOPort(cpu, portBConfig)
  new AVRIOPort(cpu, portCConfig)
  new AVRIOPort(cpu, portDConfig)
  new AVRADC(cpu, adcConfig)
  const usart = new AVRUSART(cpu, usart0Config, F_CPU)
  usart.onByteTransmit = onTx
  // The watchdog resets through cpu.reset(): make that a real reset (fresh chip, boot section, WDRF).
  cpu.reset = () => onReset(WDRF)
  // MCUSR flags are cleared by writing 0 and kept by writing 1.
  cpu.writeHooks[MCUSR] = (value, old) => {
    cpu.data[MCUSR] = old & value
    return true
  }
  cpu.data[MCUSR] = cause
  cpu.pc = BOOT_START / 2
  return { cpu, usart }
}

/** Self-programming as the ATmega328P does it, for SPM run from the boot section. */
function spmShim(flash: Uint16Array, ignore: () => boolean) {
  const buffer = new Uint16Array(PAGE / 2).fill(0xffff)
  return (cpu: CPU): boolean => {
    const op = cpu.progMem[cpu.pc]
    if ((op !== 0x95e8 && op !== 0x95f8) || cpu.pc * 2 < BOOT_START) return false
    const z = cpu.data[30]! | (cpu.data[31]! << 8)
    const page = (z & ~(PAGE - 1)) >> 1
    const command = ignore() ? 0 : cpu.data[SPMCSR]! & 0x1f
    if (command === 0x01) buffer[(z & (PAGE - 1)) >> 1] = cpu.data[0]! | (cpu.data[1]! << 8)
    else if (command === 0x03 && z < BOOT_START) flash.fill(0xffff, page, page + PAGE / 2)
    else if (command === 0x05 && z < BOOT_START) {
      for (let i = 0; i < PAGE / 2; i++) flash[page + i] = flash[page + i]! & buffer[i]!
      buffer.fill(0xffff)
    } else if (command === 0x11) buffer.fill(0xffff)
    cpu.data[SPMCSR] = cpu.data[SPMCSR]! & ~0x5f // done at once: clear SPMEN..RWWSRE and RWWSB
    if (op === 0x95f8) {
      const next = (z + 2) & 0xffff
      cpu.data[30] = next & 0xff
      cpu.data[31] = next >> 8
    }
    cpu.pc += 1
    cpu.cycles += 2
    return true
  }
}

export async function startBootloaderUno(
  serialPath: string,
  bootloaderHex: string,
  appHex?: string,
): Promise<BootloaderUno> {
  const bytes = new Uint8Array(0x8000).fill(0xff)
  if (appHex) bytes.set(loadHex(readFileSync(appHex, 'utf8'), 0xff).subarray(0, BOOT_START))
  bytes.set(loadHex(readFileSync(bootloaderHex, 'utf8'), 0xff).subarray(BOOT_START), BOOT_START)
  const flash = new Uint16Array(bytes.buffer)
  let writesIgnored = false
  const spm = spmShim(flash, () => writesIgnored)

  const port = new SerialPort({ path: serialPath, baudRate: 115200, autoOpen: false })
  await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(err) : resolve())))
  port.on('error', () => undefined)
  const rx: number[] = []
  let tx: number[] = []
  let pagesLeft = Number.POSITIVE_INFINITY
  port.on('data', (d: Buffer) => {
    if (pagesLeft > 0) rx.push(...d)
  })

  const resets: BootloaderUno['resets'] = []
  let pendingReset: number | undefined
  const boot = (cause: number): Chip => {
    resets.push({ cause: cause === WDRF ? 'WDRF' : 'EXTRF', time: Date.now() })
    return buildChip(
      flash,
      cause,
      (c) => (pendingReset = c),
      (b) => tx.push(b),
    )
  }
  let chip = boot(EXTRF)

  let running = true
  const started = Date.now()
  let cycleBase = 0
  const slice = () => {
    if (!running) return
    // Real time: Optiboot's 1 s watchdog and avrgirl's timeouts are measured on the same clock.
    const target = Math.min(((Date.now() - started) / 1000) * F_CPU, cycleBase + chip.cpu.cycles + F_CPU / 50)
    while (cycleBase + chip.cpu.cycles < target && pendingReset === undefined) {
      const { cpu, usart } = chip
      if (rx.length && !usart.rxBusy && !(cpu.data[UCSR0A]! & 0x80)) usart.writeByte(rx.shift()!)
      const spmBefore = cpu.data[SPMCSR]! & 0x1f
      if (!spm(cpu)) avrInstruction(cpu)
      else if (spmBefore === 0x05 && --pagesLeft <= 0) rx.length = 0
      cpu.tick()
    }
    if (pendingReset !== undefined) {
      cycleBase += chip.cpu.cycles
      chip = boot(pendingReset)
      pendingReset = undefined
    }
    if (tx.length && port.isOpen && pagesLeft > 0) port.write(Buffer.from(tx))
    tx = []
    setTimeout(slice, 1)
  }
  setTimeout(slice, 1)

  return {
    resets,
    reset() {
      pendingReset = EXTRF
    },
    app: () => bytes.slice(0, BOOT_START),
    cutAfterPages(n) {
      pagesLeft = n
    },
    reconnect() {
      pagesLeft = Number.POSITIVE_INFINITY
    },
    ignoreWrites(ignore) {
      writesIgnored = ignore
    },
    async stop() {
      running = false
      if (port.isOpen) await new Promise<void>((resolve) => port.close(() => resolve()))
    },
  }
}
