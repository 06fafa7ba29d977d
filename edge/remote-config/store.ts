/**
 * Where a node keeps its remote settings, beside the outbox (<dataDir>/config/, written by the
 * agent itself: the node config file in /etc stays as the engineer wrote it and read-only to the
 * agent):
 * - `remote.json`: the last good remote settings (every document applied so far, merged), their
 *   version and the last signed document; written only after a new config passed its trial, so
 *   it always holds a config that worked;
 * - `trial.json`: a config on trial; found at start it means the trial was cut short (a crash or
 *   power cut), and the command is answered `failed` with the last good config in use.
 */
import { readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import type { EdgeConfig } from '../config.js'
import { writeFileAtomic } from '../update/state.js'
import { type RemoteSettings, withRemoteSettings } from './settings.js'

export interface AppliedConfig {
  version: number
  settings: RemoteSettings
  document: string
  signature: string
  commandId: string
  appliedAt: string
}

export interface ConfigTrial {
  commandId: string
  version: number
  startedAt: string
}

const dir = (dataDir: string) => join(dataDir, 'config')
const appliedFile = (dataDir: string) => join(dir(dataDir), 'remote.json')
const trialFile = (dataDir: string) => join(dir(dataDir), 'trial.json')

function readJson<T>(file: string): T | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T
  } catch {
    return undefined
  }
}

export const readApplied = (dataDir: string) => readJson<AppliedConfig>(appliedFile(dataDir))
export const writeApplied = (dataDir: string, applied: AppliedConfig) =>
  writeFileAtomic(appliedFile(dataDir), `${JSON.stringify(applied, null, 2)}\n`)

export const readTrial = (dataDir: string) => readJson<ConfigTrial>(trialFile(dataDir))
export const writeTrial = (dataDir: string, trial: ConfigTrial) =>
  writeFileAtomic(trialFile(dataDir), `${JSON.stringify(trial)}\n`)
export const clearTrial = (dataDir: string) => rmSync(trialFile(dataDir), { force: true })

/**
 * The config the agent runs: its file with the last good remote settings over it. When they no
 * longer fit (the file was changed on site), the file alone, and why.
 */
export function effectiveConfig(base: EdgeConfig): { config: EdgeConfig; applied?: AppliedConfig; problem?: string } {
  const applied = readApplied(base.dataDir)
  if (!applied) return { config: base }
  try {
    return { config: withRemoteSettings(base, applied.settings), applied }
  } catch (err) {
    return { config: base, applied, problem: `remote settings v${applied.version} ignored: ${(err as Error).message}` }
  }
}
