/**
 * `edge flash`: writes StandardFirmata to an Arduino with avrgirl-arduino, using the prebuilt hex
 * files its npm package ships (junk/hex/<board>/StandardFirmata*.cpp.hex). The plan (board known
 * to avrgirl, a Firmata hex for it, the port present) is checked before anything touches the
 * board. A real flash needs the board on a USB port: the bootloader reset toggles DTR, which
 * neither a pty nor the avr8js emulator offer, so the flash itself is only tested with a fake.
 */
import { createHash } from 'node:crypto'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { StreetsenseError } from '../../core/index.js'

const require = createRequire(import.meta.url)

export interface AvrgirlLike {
  flash(file: string | Buffer, cb: (err?: Error | null) => void): void
}
export type AvrgirlFactory = (opts: { board: string; port: string; debug?: boolean }) => AvrgirlLike

export interface FlashPlan {
  board: string
  port: string
  hexPath: string
  sha256: string
  bytes: number
}

export function avrgirlDir(): string {
  return dirname(require.resolve('avrgirl-arduino/package.json'))
}

export function knownBoards(): string[] {
  return (require('avrgirl-arduino') as { listKnownBoards(): string[] }).listKnownBoards()
}

/** Boards for which avrgirl ships a StandardFirmata hex, with its path. */
export function firmataHexes(): Map<string, string> {
  const root = join(avrgirlDir(), 'junk', 'hex')
  const out = new Map<string, string>()
  for (const board of readdirSync(root)) {
    const hex = readdirSync(join(root, board)).find((f) => /^StandardFirmata(-\dv)?\.cpp\.hex$/.test(f))
    if (hex) out.set(board, join(root, board, hex))
  }
  return out
}

export function planFlash(opts: { board?: string; port?: string; hex?: string }, portExists = existsSync): FlashPlan {
  if (!opts.board)
    throw new StreetsenseError('IOT_EDGE_FLASH', '--board is required (e.g. uno, nano, mega, leonardo)', 'board')
  if (!opts.port)
    throw new StreetsenseError(
      'IOT_EDGE_FLASH',
      '--port is required (e.g. /dev/ttyACM0 or /dev/serial/by-id/...)',
      'port',
    )
  if (!knownBoards().includes(opts.board)) {
    throw new StreetsenseError(
      'IOT_EDGE_FLASH',
      `unknown board ${opts.board}; avrgirl knows: ${knownBoards().join(', ')}`,
      'board',
    )
  }
  const hexPath = opts.hex ?? firmataHexes().get(opts.board)
  if (!hexPath) {
    const have = [...firmataHexes().keys()].join(', ')
    throw new StreetsenseError(
      'IOT_EDGE_FLASH',
      `no StandardFirmata hex ships for ${opts.board}; pass --hex FILE (boards with one: ${have})`,
      'hex',
    )
  }
  if (!existsSync(hexPath)) throw new StreetsenseError('IOT_EDGE_FLASH', `hex file not found: ${hexPath}`, 'hex')
  if (!portExists(opts.port))
    throw new StreetsenseError(
      'IOT_EDGE_FLASH',
      `serial port ${opts.port} does not exist (is the board plugged in?)`,
      'port',
    )
  const data = readFileSync(hexPath)
  if (!/^:[0-9A-Fa-f]{10}/.test(data.toString('latin1', 0, 16))) {
    throw new StreetsenseError('IOT_EDGE_FLASH', `${hexPath} is not an Intel HEX file`, 'hex')
  }
  return {
    board: opts.board,
    port: opts.port,
    hexPath,
    bytes: data.length,
    sha256: createHash('sha256').update(data).digest('hex'),
  }
}

const defaultFactory: AvrgirlFactory = (opts) => {
  const Avrgirl = require('avrgirl-arduino') as new (o: typeof opts) => AvrgirlLike
  return new Avrgirl(opts)
}

export function flashBoard(plan: FlashPlan, factory: AvrgirlFactory = defaultFactory): Promise<void> {
  return new Promise((resolve, reject) => {
    factory({ board: plan.board, port: plan.port }).flash(plan.hexPath, (err) =>
      err
        ? reject(
            new StreetsenseError('IOT_EDGE_FLASH', `flashing ${plan.board} on ${plan.port} failed: ${err.message}`),
          )
        : resolve(),
    )
  })
}
