/**
 * installFirmware(dir): the Arduino tier. A signed firmware release (kind firmware, newer than
 * what the board runs, for this board type) is flashed with avrgirl-arduino; then the board must
 * answer over Firmata with the name and major.minor the signed manifest promises (and every page
 * read back must equal what was written: stk500-readback.ts). A failed attempt (flash error or wrong
 * answer) is retried; if every attempt fails the previous firmware goes back on (the last one
 * installed here, kept under <stateDir>/firmware/, or avrgirl's StandardFirmata for a board
 * never updated) and the outcome is rolled_back with each attempt's reason. Optiboot survives a
 * failed flash (it sits in the protected boot section), which is what makes the retry possible.
 * The agent must not hold the port meanwhile: the updater stops the agent units first.
 */

import type { KeyObject } from 'node:crypto'
import { copyFileSync, mkdirSync, readdirSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import type { Logger } from 'pino'
import { StreetsenseError } from '../../core/index.js'
import { type AvrgirlLike, firmataHexes } from '../tools/flash.js'
import { formatFirmware, identifyFirmware, type ReportedFirmware } from './firmata-identity.js'
import { type FirmwareIdentity, verifyRelease } from './manifest.js'
import { type FirmwareState, readUpdateState, writeUpdateState } from './state.js'
import { installStk500ReadBack } from './stk500-readback.js'

const require = createRequire(import.meta.url)

export interface FirmwareTools {
  flash(hexPath: string, target: { board: string; port: string }): Promise<void>
  identify(port: string, timeoutMs: number): Promise<ReportedFirmware>
}

/** A flash that does not finish in this time has failed (a hung serial exchange must not block the updater). */
const FLASH_TIMEOUT_MS = 180_000

function withTimeout<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms / 1000} s`)), ms)
  })
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer))
}

function flashWithAvrgirl(hexPath: string, board: string, port: string, replyTimeoutMs?: number): Promise<void> {
  installStk500ReadBack()
  const boards = require('avrgirl-arduino/boards') as Record<string, Record<string, unknown>>
  const Avrgirl = require('avrgirl-arduino') as new (o: { board: unknown; port: string }) => AvrgirlLike
  const def = boards[board]
  if (!def) throw new Error(`avrgirl does not know board ${board}`)
  return new Promise((resolve, reject) =>
    new Avrgirl({ board: replyTimeoutMs ? { ...def, timeout: replyTimeoutMs } : def, port }).flash(hexPath, (err) =>
      err ? reject(new Error(`flashing ${board} on ${port} failed: ${err.message}`)) : resolve(),
    ),
  )
}

/**
 * avrgirl-arduino and firmata-io. `replyTimeoutMs` overrides how long the programmer waits for
 * each bootloader reply (400 ms for an Uno in avrgirl's table): raise it for slow links.
 */
export function avrgirlTools(opts: { replyTimeoutMs?: number } = {}): FirmwareTools {
  return {
    flash: (hexPath, { board, port }) =>
      withTimeout(flashWithAvrgirl(hexPath, board, port, opts.replyTimeoutMs), FLASH_TIMEOUT_MS, 'the flash'),
    identify: identifyFirmware,
  }
}

export interface FirmwareContext {
  publicKey: KeyObject
  port: string
  board: string
  stateFile: string
  /** Where flashed firmware is kept for a rollback (outside the releases). */
  firmwareDir: string
  logger: Logger
  tools?: FirmwareTools
  attempts?: number
  identifyTimeoutMs?: number
  now?: () => number
}

export interface FirmwareOutcome {
  outcome: 'healthy' | 'rolled_back' | 'failed'
  version: string
  /** What the board reports at the end. */
  reported?: string
  /** The firmware now on the board when it is not the new one. */
  previous?: string
  reason?: string
  /** One line per attempt: "ok" or why it failed. */
  attempts: string[]
}

interface Target {
  hex: string
  version?: string
  /** What the board must report; undefined = any Firmata answer (the factory StandardFirmata). */
  expect?: Omit<FirmwareIdentity, 'board'>
}

const sameFirmware = (a: ReportedFirmware, b: Omit<FirmwareIdentity, 'board'>) =>
  a.name === b.name && a.major === b.major && a.minor === b.minor

/** Flashes and checks the answer, up to `attempts` times; resolves with each attempt's result. */
async function flashAndCheck(
  ctx: FirmwareContext,
  target: Target,
): Promise<{ ok: boolean; reported?: string; log: string[] }> {
  const tools = ctx.tools ?? avrgirlTools()
  const log: string[] = []
  for (let attempt = 1; attempt <= (ctx.attempts ?? 2); attempt++) {
    try {
      await tools.flash(target.hex, { board: ctx.board, port: ctx.port })
      const reported = await tools.identify(ctx.port, ctx.identifyTimeoutMs ?? 15_000)
      if (target.expect && !sameFirmware(reported, target.expect)) {
        throw new Error(`the board reports ${formatFirmware(reported)}, expected ${formatFirmware(target.expect)}`)
      }
      log.push('ok')
      return { ok: true, reported: formatFirmware(reported), log }
    } catch (err) {
      const reason = (err as Error).message.split('\n')[0]!.slice(0, 300)
      ctx.logger.warn({ attempt, hex: target.hex, reason }, 'firmware attempt failed')
      log.push(reason)
    }
  }
  return { ok: false, log }
}

/** The firmware to go back to: the last one installed here, or the factory StandardFirmata. */
function previousTarget(ctx: FirmwareContext, state: FirmwareState | undefined): Target {
  if (state?.version && state.identity) {
    return { hex: join(ctx.firmwareDir, `${state.version}.hex`), version: state.version, expect: state.identity }
  }
  const factory = firmataHexes().get(ctx.board)
  if (!factory)
    throw new StreetsenseError('IOT_EDGE_FIRMWARE_FAILED', `no factory firmware known for board ${ctx.board}`, 'board')
  return { hex: factory }
}

function record(ctx: FirmwareContext, firmware: FirmwareState): void {
  writeUpdateState(ctx.stateFile, { ...readUpdateState(ctx.stateFile), firmware })
}

export async function installFirmware(dir: string, ctx: FirmwareContext): Promise<FirmwareOutcome> {
  const now = () => new Date((ctx.now ?? Date.now)())
  const before = readUpdateState(ctx.stateFile).firmware
  const release = await verifyRelease(dir, {
    publicKey: ctx.publicKey,
    kind: 'firmware',
    installed: before?.version,
    now: now(),
  })
  const { version, firmware: identity } = release.manifest
  if (identity?.board !== ctx.board) {
    throw new StreetsenseError(
      'IOT_EDGE_UPDATE_REFUSED',
      `wrong board: the release is for ${identity?.board}, this node has ${ctx.board}`,
      'board',
    )
  }
  const previous = previousTarget(ctx, before)
  mkdirSync(ctx.firmwareDir, { recursive: true })
  const kept = join(ctx.firmwareDir, `${version}.hex`)
  copyFileSync(release.payload, kept)
  const tried = await flashAndCheck(ctx, { hex: kept, version, expect: identity })
  if (tried.ok) {
    const { board: _board, ...expect } = identity
    record(ctx, { state: 'healthy', version, identity: expect, time: now().toISOString() })
    for (const f of readdirSync(ctx.firmwareDir))
      if (f !== `${version}.hex` && f !== `${before?.version}.hex`) rmSync(join(ctx.firmwareDir, f))
    return { outcome: 'healthy', version, reported: tried.reported, attempts: tried.log }
  }
  const reason = `firmware ${version} failed ${tried.log.length} attempts: ${tried.log.join('; ')}`
  const back = await flashAndCheck(ctx, previous)
  const outcome = back.ok ? 'rolled_back' : 'failed'
  const lastError = back.ok
    ? reason
    : `${reason}; the previous firmware did not come back either: ${back.log.join('; ')}`
  record(ctx, {
    state: outcome,
    version: previous.version,
    identity: previous.expect,
    lastError,
    time: now().toISOString(),
  })
  return {
    outcome,
    version,
    reported: back.reported,
    previous: previous.version ?? 'factory StandardFirmata',
    reason: lastError,
    attempts: [...tried.log, ...back.log],
  }
}
