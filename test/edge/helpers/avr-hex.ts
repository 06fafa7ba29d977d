/**
 * Hex files for the flashing tests: Optiboot built from Debian's sources, Intel HEX writing, and
 * a renamed StandardFirmata (a second firmware that answers with another name).
 */
import { execFile } from 'node:child_process'
import { cpSync, existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { loadHex } from './avr-uno.js'

const run = promisify(execFile)

/** Optiboot 4.4's sources (GPL-2.0) as Debian's arduino-core-avr installs them. */
export const OPTIBOOT_SOURCE = '/usr/share/arduino/hardware/arduino/avr/bootloaders/optiboot'

/**
 * Builds Optiboot for the Uno (ATmega328P, 16 MHz, 115200 baud, as the Makefile's atmega328
 * target) into dir and returns the hex. Not the package's prebuilt hex: built by Debian's
 * gcc-avr 5.4 with the Makefile's flags it is 532 bytes, 20 more than the 512-byte boot section,
 * so its tail (watchdogConfig, appStart) lies past the end of flash and the version word
 * overwrites an instruction. These flags (as later Optiboot releases use for newer compilers)
 * give 500 bytes; the build checks that it fits.
 */
export async function buildOptiboot(dir: string): Promise<string> {
  if (!existsSync(join(OPTIBOOT_SOURCE, 'optiboot.c'))) {
    throw new Error(
      `no Optiboot sources in ${OPTIBOOT_SOURCE}: apt-get install arduino-core-avr (brings gcc-avr, avr-libc)`,
    )
  }
  const src = join(dir, 'optiboot')
  cpSync(OPTIBOOT_SOURCE, src, { recursive: true })
  const flags = ['-g', '-Wall', '-Os', '-fno-inline-small-functions', '-fno-split-wide-types', '-mrelax']
  flags.push('-fno-tree-scev-cprop', '-fno-move-loop-invariants', '-mmcu=atmega328p', '-DF_CPU=16000000L')
  flags.push('-DLED_START_FLASHES=3', '-DBAUD_RATE=115200')
  const elf = join(src, 'optiboot_atmega328.elf')
  await run('avr-gcc', [...flags, '-c', '-o', join(src, 'optiboot.o'), join(src, 'optiboot.c')])
  const sections = ['-Wl,--section-start=.text=0x7e00', '-Wl,--section-start=.version=0x7ffe', '-Wl,--relax']
  await run('avr-gcc', [...flags, ...sections, '-nostartfiles', '-nostdlib', '-o', elf, join(src, 'optiboot.o')])
  const { stdout } = await run('avr-size', ['-A', elf])
  const text = Number(/\.text\s+(\d+)/.exec(stdout)?.[1])
  if (!(text <= 0x200 - 2)) throw new Error(`Optiboot's .text is ${text} bytes: it does not fit the boot section`)
  const hex = join(src, 'optiboot_atmega328.hex')
  await run('avr-objcopy', [
    '-j',
    '.text',
    '-j',
    '.data',
    '-j',
    '.version',
    '--set-section-flags',
    '.version=alloc,load',
    '-O',
    'ihex',
    elf,
    hex,
  ])
  return hex
}

/** Intel HEX of an image (16-byte data records up to the last programmed byte). */
export function toIntelHex(image: Uint8Array): string {
  let end = image.length
  while (end > 0 && image[end - 1] === 0xff) end--
  const lines: string[] = []
  for (let at = 0; at < end; at += 16) {
    const data = image.subarray(at, Math.min(at + 16, end))
    const record = Buffer.from([data.length, at >> 8, at & 0xff, 0, ...data])
    const sum = (0x100 - (record.reduce((a, b) => a + b, 0) & 0xff)) & 0xff
    lines.push(
      `:${Buffer.concat([record, Buffer.from([sum])])
        .toString('hex')
        .toUpperCase()}`,
    )
  }
  return `${lines.concat(':00000001FF').join('\n')}\n`
}

/**
 * StandardFirmata with another name in its REPORT_FIRMWARE answer (same length, so nothing
 * moves): a second, distinguishable firmware for upgrade tests, without a sketch toolchain.
 */
export function renamedFirmata(hexPath: string, name: string): string {
  const image = loadHex(readFileSync(hexPath, 'utf8'), 0xff)
  const from = Buffer.from('StandardFirmata.ino\0', 'latin1')
  const at = Buffer.from(image.buffer).indexOf(from)
  if (at < 0 || name.length !== from.length - 1) throw new Error(`cannot rename ${hexPath} to ${name}`)
  image.set(Buffer.from(name, 'latin1'), at)
  return toIntelHex(image)
}
