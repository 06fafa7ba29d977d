/**
 * The node's updater, outside releases/ (/opt/streetsense/updater/updater.mjs, bundled by
 * `node --import tsx deploy/bundle-edge.ts --updater`), run as root by systemd:
 *   install DIR        verify a release directory and install it (A/B, trial, rollback)
 *   rollback           go back to the previous release (an operator's decision)
 *   recover [--restart] finish a trial nobody owns (ExecStartPre, OnFailure of the agent unit)
 *   status             print update-state.json
 *   firmware DIR       flash a signed firmware release onto the Arduino (agents stopped meanwhile)
 *   take               install the releases agents handed over for update commands (the inbox;
 *                      started by streetsense-update.path)
 * Exit 0 when the node ends healthy, 1 when a release was refused, rolled back or failed, 2 on
 * usage errors. Settings: flags or STREETSENSE_* variables (UpdaterSettingsSchema).
 */
import { realpathSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'
import { createLogger, flagName, loadSettings, type StreetsenseError } from '../../core/index.js'
import { takeAll } from './handoff.js'
import { type InstallOutcome, installRelease, rollBackToPrevious, type UpdaterContext } from './install.js'
import { loadPublicKey } from './keys.js'
import { recoverInterruptedTrial } from './recover.js'
import { systemdRestarter } from './restarter.js'
import { type UpdaterSettings, UpdaterSettingsSchema } from './settings.js'
import { readUpdateState } from './state.js'

const COMMANDS = ['install', 'rollback', 'recover', 'status', 'firmware', 'take'] as const

function parse(argv: string[]) {
  const options: Record<string, { type: 'string' | 'boolean' }> = { restart: { type: 'boolean' } }
  for (const key of Object.keys(UpdaterSettingsSchema.properties)) options[flagName(key).slice(2)] = { type: 'string' }
  const { values, positionals } = parseArgs({ args: argv, options, allowPositionals: true })
  const flags: Record<string, unknown> = {}
  for (const key of Object.keys(UpdaterSettingsSchema.properties)) flags[key] = values[flagName(key).slice(2)]
  return { flags, positionals, restart: Boolean(values.restart) }
}

export const stateFileOf = (s: Pick<UpdaterSettings, 'updateStateDir'>) => join(s.updateStateDir, 'update-state.json')

function context(s: UpdaterSettings): UpdaterContext {
  return {
    root: s.installRoot,
    stateFile: stateFileOf(s),
    publicKey: loadPublicKey(s.releasePubkey),
    restarter: systemdRestarter(s.agentUnits),
    healthFiles: s.healthFiles,
    healthTimeoutMs: s.healthTimeoutSeconds * 1000,
    logger: createLogger(s.logLevel, 'streetsense-updater'),
  }
}

function report(o: InstallOutcome): number {
  const line = `${o.outcome}: ${o.version}${o.from ? ` (from ${o.from})` : ''}${o.reason ? `: ${o.reason}` : ''}`
  process.stdout.write(`${line}\n`)
  return o.outcome === 'healthy' ? 0 : 1
}

async function runCommand(
  command: string,
  dir: string | undefined,
  s: UpdaterSettings,
  restart: boolean,
): Promise<number> {
  if ((command === 'install' || command === 'firmware') && !dir)
    throw Object.assign(new Error(`${command} needs a release directory`), { code: 'IOT_USAGE' })
  switch (command) {
    case 'install':
      return report(await installRelease(dir!, context(s)))
    case 'rollback':
      return report(await rollBackToPrevious(context(s)))
    case 'recover': {
      const r = await recoverInterruptedTrial({
        root: s.installRoot,
        stateFile: stateFileOf(s),
        restarter: restart ? systemdRestarter(s.agentUnits) : undefined,
      })
      process.stdout.write(`${r.action}: ${r.reason}\n`)
      return 0
    }
    case 'status':
      process.stdout.write(`${JSON.stringify(readUpdateState(stateFileOf(s)), null, 2)}\n`)
      return 0
    case 'take': {
      const done = await takeAll(context(s), s.inbox)
      for (const d of done)
        process.stdout.write(`${d.outcome}: ${d.version} (command ${d.commandId})${d.reason ? `: ${d.reason}` : ''}\n`)
      return done.every((d) => d.outcome === 'healthy') ? 0 : 1
    }
    default: {
      const { runFirmwareCommand } = await import('./firmware-command.js')
      return runFirmwareCommand(dir!, s, stateFileOf(s))
    }
  }
}

export async function runUpdater(argv: string[]): Promise<number> {
  try {
    const { flags, positionals, restart } = parse(argv)
    const [command, dir] = positionals
    if (!command || !(COMMANDS as readonly string[]).includes(command)) {
      throw Object.assign(new Error(`usage: updater <${COMMANDS.join('|')}> [DIR] [--flags]`), { code: 'IOT_USAGE' })
    }
    return await runCommand(command, dir, loadSettings<UpdaterSettings>(UpdaterSettingsSchema, flags), restart)
  } catch (err) {
    const e = err as StreetsenseError
    process.stderr.write(`${e.code ?? 'error'}: ${e.message}\n`)
    return e.code === 'IOT_EDGE_UPDATE_REFUSED' ||
      e.code === 'IOT_EDGE_UPDATE_FAILED' ||
      e.code === 'IOT_EDGE_FIRMWARE_FAILED'
      ? 1
      : 2
  }
}

// realpath: systemd starts the agent as /opt/streetsense/current/main.mjs, a symlink into releases/.
if (process.argv[1] && import.meta.url === pathToFileURL(realpathSync(process.argv[1])).href) {
  runUpdater(process.argv.slice(2)).then((code) => {
    process.exitCode = code
  })
}
